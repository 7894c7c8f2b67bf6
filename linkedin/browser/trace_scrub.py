"""Redact a Playwright trace zip by parsing it, then prove that no secret is left.

Substring replacement of known values is not enough: a password typed key by key is one
event per character, a value with quotes is JSON-escaped, and a cookie LinkedIn rotated
during the run is no longer in the jar when the trace is saved. So, in order:

1. Every `*.trace` / `*.network` line is parsed. Typed, filled and pressed values are
   blanked where the protocol carries them (and in the call logs of those calls); cookie
   and storage results and parameters, and Cookie / Set-Cookie / csrf-token headers are
   blanked, and the values they held are collected as secrets.
2. Every collected value and every known secret (password, li_at, PIN, the jar) is
   replaced in every member, in every encoding (redaction.encodings).
3. Each member is searched for each form again. Anything that cannot be parsed, an
   event of a kind not known to be safe, or a form still found raises TraceNotRedacted:
   the caller then keeps no trace at all.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from linkedin.browser.redaction import REDACTED, first_leak, scrub_text, secret_forms


class TraceNotRedacted(Exception):
    """Redaction could not be shown complete. The message never quotes a secret."""


# Protocol methods whose parameters carry what was typed, filled, pressed or sent.
_TYPED: dict[str, tuple[str, ...]] = {
    "fill": ("value",),
    "type": ("text",),
    "press": ("key",),
    "keyboardType": ("text",),
    "keyboardPress": ("key",),
    "keyboardInsertText": ("text",),
    "keyboardDown": ("key",),
    "keyboardUp": ("key",),
    "selectOption": ("options", "elements"),
    "setInputFiles": ("payloads", "localPaths", "localDirectory", "streams", "directoryStream"),
    "dispatchEvent": ("eventInit",),
    "setExtraHTTPHeaders": ("headers",),
    "setHTTPCredentials": ("httpCredentials",),
}
# Of those, the parameters that must be present (a call without them is an unknown shape).
_REQUIRED = {
    "fill": "value",
    "type": "text",
    "press": "key",
    "keyboardType": "text",
    "keyboardPress": "key",
    "keyboardInsertText": "text",
    "keyboardDown": "key",
    "keyboardUp": "key",
}
# Calls whose result is a field's content or the session itself.
_SECRET_RESULTS = frozenset({"inputValue", "cookies", "storageState"})
# Calls whose parameters are session state.
_STATE_PARAMS = {"addCookies": "cookies", "setStorageState": "storageState"}
# Trace events that carry no value beyond what step 2 replaces.
_PASSIVE = frozenset({"input", "event", "console", "stdio", "error", "aria-snapshot"})
# Events that hold page pictures or DOM copies (typed text included): never recorded by
# this project (screenshots and snapshots are off), so a trace holding them is refused.
_PICTURES = frozenset({"screencast-frame", "screenshot", "frame-snapshot"})
_SECRET_HEADERS = frozenset(
    {"cookie", "set-cookie", "csrf-token", "authorization", "proxy-authorization"}
)
_SENSITIVE_FIELD = re.compile(r"pass|pin|token|csrf|secret", re.IGNORECASE)
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def _blank_quoted(text: str) -> str:
    # Call logs quote the typed value: fill("..."), elementHandle.press("...").
    return _QUOTED.sub(f'"{REDACTED}"', text)


class _Redactor:
    """Blanks one trace's events and collects the values it removed."""

    def __init__(self) -> None:
        self.found: set[str] = set()
        self.typed_calls: set[str] = set()
        self.methods: dict[str, str] = {}

    def _take(self, value: Any) -> str:
        if isinstance(value, str):
            self.found.add(value)
        return REDACTED

    def _cookies(self, cookies: Any) -> None:
        if not isinstance(cookies, list):
            raise TraceNotRedacted("a cookie list of unknown shape")
        for cookie in cookies:
            if not isinstance(cookie, dict):
                raise TraceNotRedacted("a cookie of unknown shape")
            if "value" in cookie:
                cookie["value"] = self._take(cookie["value"])

    def _storage(self, state: Any) -> None:
        if not isinstance(state, dict):
            raise TraceNotRedacted("a storage state of unknown shape")
        self._cookies(state.get("cookies", []))
        origins = state.get("origins", [])
        if not isinstance(origins, list):
            raise TraceNotRedacted("storage origins of unknown shape")
        for origin in origins:
            if not isinstance(origin, dict):
                raise TraceNotRedacted("a storage origin of unknown shape")
            for key in list(origin):
                if key == "origin":
                    continue
                entries = origin[key]
                if key in ("localStorage", "sessionStorage") and isinstance(entries, list):
                    self._cookies(entries)  # the same {name, value} shape
                else:
                    origin[key] = REDACTED  # indexedDB and whatever comes next

    def _headers(self, headers: Any) -> None:
        if not isinstance(headers, list):
            raise TraceNotRedacted("headers of unknown shape")
        for header in headers:
            if not isinstance(header, dict):
                raise TraceNotRedacted("a header of unknown shape")
            name = str(header.get("name", "")).lower()
            value = header.get("value")
            if name not in _SECRET_HEADERS or not isinstance(value, str):
                continue
            if name == "cookie":
                self.found.update(v for _, _, v in (p.partition("=") for p in value.split(";")))
            elif name == "set-cookie":
                for line in value.split("\n"):
                    self.found.add(line.split(";", 1)[0].partition("=")[2])
            header["value"] = self._take(value)

    def _fields(self, fields: Any) -> None:
        if not isinstance(fields, list):
            return
        for field in fields:
            if isinstance(field, dict) and _SENSITIVE_FIELD.search(str(field.get("name", ""))):
                field["value"] = self._take(field.get("value"))

    def _post_data(self, post: Any) -> None:
        if not isinstance(post, dict):
            return
        self._fields(post.get("params"))
        text = post.get("text")
        if isinstance(text, str) and "urlencoded" in str(post.get("mimeType", "")):
            pairs = parse_qsl(text, keep_blank_values=True)
            if any(_SENSITIVE_FIELD.search(k) for k, _ in pairs):
                post["text"] = urlencode(
                    [(k, self._take(v) if _SENSITIVE_FIELD.search(k) else v) for k, v in pairs]
                )

    def _resource(self, event: dict[str, Any]) -> None:
        snapshot = event.get("snapshot")
        if not isinstance(snapshot, dict):
            raise TraceNotRedacted("a network entry of unknown shape")
        for side in ("request", "response"):
            part = snapshot.get(side)
            if part is None:
                continue
            if not isinstance(part, dict):
                raise TraceNotRedacted("a network entry of unknown shape")
            self._headers(part.get("headers", []))
            self._cookies(part.get("cookies", []))
            self._fields(part.get("queryString"))
        self._post_data((snapshot.get("request") or {}).get("postData"))

    def _context_options(self, event: dict[str, Any]) -> None:
        options = event.get("options")
        if not isinstance(options, dict):
            return
        if "storageState" in options:
            self._storage(options["storageState"])
        for key in ("extraHTTPHeaders", "httpCredentials", "proxy", "clientCertificates"):
            if key in options:
                options[key] = REDACTED

    def _before(self, event: dict[str, Any]) -> None:
        call, method = str(event.get("callId", "")), str(event.get("method", ""))
        self.methods[call] = method
        params = event.get("params")
        if method in _STATE_PARAMS:
            if not isinstance(params, dict) or _STATE_PARAMS[method] not in params:
                raise TraceNotRedacted(f"a {method} call of unknown shape")
            key = _STATE_PARAMS[method]
            if method == "addCookies":
                self._cookies(params[key])
            else:
                self._storage(params[key])
        if method not in _TYPED:
            return
        self.typed_calls.add(call)
        if not isinstance(params, dict):
            raise TraceNotRedacted(f"a {method} call of unknown shape")
        required = _REQUIRED.get(method)
        if required is not None and not isinstance(params.get(required), str):
            raise TraceNotRedacted(f"a {method} call of unknown shape")
        for key in _TYPED[method]:
            if key in params:
                params[key] = REDACTED
        if isinstance(event.get("title"), str):
            event["title"] = _blank_quoted(event["title"])

    def _after(self, event: dict[str, Any]) -> None:
        call = str(event.get("callId", ""))
        method = self.methods.get(call, "")
        result = event.get("result")
        if method in _SECRET_RESULTS and result is not None:
            if not isinstance(result, dict):
                raise TraceNotRedacted(f"a {method} result of unknown shape")
            if method == "inputValue":
                event["result"] = {"value": self._take(result.get("value"))}
            elif method == "cookies":
                self._cookies(result.get("cookies", []))
            else:
                self._storage(result)
        if call in self.typed_calls and event.get("error") is not None:
            event["error"] = _map_strings(event["error"], _blank_quoted)

    def event(self, event: Any) -> None:
        """Blank one event in place."""
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise TraceNotRedacted("a trace line that is not an event")
        kind = event["type"]
        if kind == "before":
            self._before(event)
        elif kind == "after":
            self._after(event)
        elif kind == "log":
            if str(event.get("callId", "")) in self.typed_calls:
                event["message"] = _blank_quoted(str(event.get("message", "")))
        elif kind == "context-options":
            self._context_options(event)
        elif kind == "resource-snapshot":
            self._resource(event)
        elif kind in _PICTURES:
            raise TraceNotRedacted(f"the trace holds page pictures ({kind})")
        elif kind not in _PASSIVE:
            raise TraceNotRedacted(f"an unknown kind of trace event ({kind[:40]})")


def _map_strings(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_map_strings(v, change) for v in value]
    if isinstance(value, dict):
        return {k: _map_strings(v, change) for k, v in value.items()}
    return value


def _parse_lines(name: str, data: bytes) -> list[Any]:
    try:
        return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    except (UnicodeDecodeError, ValueError) as exc:
        raise TraceNotRedacted(f"{name} cannot be parsed") from exc


def _dump_lines(events: list[Any]) -> str:
    # ASCII escapes: no lone surrogate can make the file invalid UTF-8.
    return "".join(json.dumps(e) + "\n" for e in events)


def _still_json(name: str, text: str) -> None:
    try:
        for line in text.splitlines():
            json.loads(line)
    except ValueError as exc:
        # A replacement cut through an escape sequence: the result cannot be trusted.
        raise TraceNotRedacted(f"{name} is no longer valid after redaction") from exc


def scrub_trace(
    data: bytes, secrets: Iterable[str | None] = (), cookies: Iterable[str | None] = ()
) -> bytes:
    """A copy of the trace zip `data` with every secret removed (see the module doc).

    `secrets` are values known to be secret (password, li_at, PIN), `cookies` the current
    cookie and storage values; values found in the trace itself are added to them.
    Raises TraceNotRedacted when the result cannot be shown free of secrets.
    """
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        members = [(info, source.read(info)) for info in source.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TraceNotRedacted("the trace is not a readable zip") from exc
    redactor = _Redactor()
    events: dict[str, list[Any]] = {}
    for info, content in members:
        if info.filename.endswith((".trace", ".network")):
            events[info.filename] = _parse_lines(info.filename, content)
            for event in events[info.filename]:
                redactor.event(event)
    forms = secret_forms(secrets, [*cookies, *sorted(redactor.found)])
    # JSON lines are written with ASCII escapes, and JSON escapes each character on its
    # own: a string holds a form exactly when its escaped text holds the escaped form.
    # (A raw form with quotes would match a string's own delimiters instead.)
    escaped = sorted({json.dumps(f)[1:-1] for f in forms}, key=len, reverse=True)

    def replace(text: str) -> str:
        return scrub_text(text, forms)

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in members:
            if info.filename in events:
                text = scrub_text(_dump_lines(events[info.filename]), escaped)
                _still_json(info.filename, text)
                content = text.encode()
            else:
                # Binary members (images, fonts) are checked below, never rewritten.
                with contextlib.suppress(UnicodeDecodeError):
                    content = replace(content.decode("utf-8")).encode()
            _check(info.filename, content, forms)
            target.writestr(info, content)
    return out.getvalue()


def _check(name: str, content: bytes, forms: list[str]) -> None:
    try:
        leaked = first_leak(content.decode("utf-8"), forms)
    except UnicodeDecodeError:
        leaked = any(form.encode() in content for form in forms)
    if leaked:
        raise TraceNotRedacted(f"a secret is still in {name[:80]} after redaction")
