"""The trace scrubber on a synthetic trace zip holding every event shape that leaks."""

from __future__ import annotations

import base64
import html
import io
import json
import zipfile
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from linkedin.browser.redaction import REDACTED, secret_forms
from linkedin.browser.trace_scrub import TraceNotRedacted, scrub_trace

PASSWORD = "p\"a\\ss wörd ☃'x"
PIN = "482915"
LI_AT = "AQEDAR-li-at-value"
# Seen only inside the trace: LinkedIn rotated or deleted them before the trace was saved.
ROTATED_JSESSIONID = '"ajax:8843912077123456"'
ROTATED_BCOOKIE = "v=2&0a1b2c3d-rotated"
LOCAL_TOKEN = "local-storage-token-77"
SESSION_TOKEN = "session-storage-token-88"
ADDED = "added-cookie-value-99"
HEADER_CSRF = "ajax:5566778899001122"
SET_COOKIE = "set-cookie-value-321"
HEADER_ONLY = "lidc-only-in-a-cookie-header"


def _events() -> list[dict[str, Any]]:
    typed = [
        {
            "type": "before",
            "callId": f"k@{i}",
            "class": "Page",
            "method": "keyboardType",
            "params": {"text": ch},
        }
        for i, ch in enumerate(PASSWORD)
    ]
    storage = {
        "cookies": [
            {"name": "li_at", "value": LI_AT, "domain": ".linkedin.com", "path": "/"},
            {"name": "JSESSIONID", "value": ROTATED_JSESSIONID, "domain": ".linkedin.com"},
        ],
        "origins": [
            {
                "origin": "https://www.linkedin.com",
                "localStorage": [{"name": "tok", "value": LOCAL_TOKEN}],
                "sessionStorage": [{"name": "s", "value": SESSION_TOKEN}],
                "indexedDB": [{"name": "db", "stores": [{"records": [LOCAL_TOKEN]}]}],
            }
        ],
    }
    return [
        {
            "version": 10,
            "type": "context-options",
            "options": {
                "storageState": json.loads(json.dumps(storage)),
                "extraHTTPHeaders": [{"name": "csrf-token", "value": HEADER_CSRF}],
                "proxy": {"server": "http://p:3128", "username": "u", "password": PASSWORD},
            },
        },
        {
            "type": "before",
            "callId": "c@1",
            "class": "Frame",
            "method": "goto",
            "params": {"url": "https://www.linkedin.com/feed/"},
        },
        {
            "type": "before",
            "callId": "c@2",
            "class": "Frame",
            "method": "fill",
            "params": {"selector": "#password", "value": PASSWORD},
            "title": f'Fill "{PASSWORD}"',
        },
        {"type": "log", "callId": "c@2", "time": 1, "message": f"  fill({json.dumps(PASSWORD)})"},
        {
            "type": "after",
            "callId": "c@2",
            "endTime": 2,
            "error": {"error": {"message": f"Timeout: fill({json.dumps(PASSWORD)})"}},
        },
        *typed,
        {
            "type": "before",
            "callId": "c@3",
            "class": "Page",
            "method": "keyboardInsertText",
            "params": {"text": PIN},
        },
        {
            "type": "before",
            "callId": "c@4",
            "class": "Page",
            "method": "keyboardPress",
            "params": {"key": "4"},
        },
        {
            "type": "before",
            "callId": "c@5",
            "class": "Frame",
            "method": "press",
            "params": {"selector": "input", "key": "8"},
        },
        {"type": "log", "callId": "c@5", "time": 3, "message": 'elementHandle.press("8")'},
        {
            "type": "before",
            "callId": "c@6",
            "class": "Frame",
            "method": "type",
            "params": {"selector": "input", "text": PIN},
        },
        {
            "type": "before",
            "callId": "c@7",
            "class": "Frame",
            "method": "inputValue",
            "params": {"selector": "#password"},
        },
        {"type": "after", "callId": "c@7", "endTime": 4, "result": {"value": PASSWORD}},
        {
            "type": "before",
            "callId": "c@8",
            "class": "BrowserContext",
            "method": "storageState",
            "params": {},
        },
        {"type": "after", "callId": "c@8", "endTime": 5, "result": storage},
        {
            "type": "before",
            "callId": "c@9",
            "class": "BrowserContext",
            "method": "cookies",
            "params": {"urls": []},
        },
        {
            "type": "after",
            "callId": "c@9",
            "endTime": 6,
            "result": {"cookies": [{"name": "bcookie", "value": ROTATED_BCOOKIE}]},
        },
        {
            "type": "before",
            "callId": "c@10",
            "class": "BrowserContext",
            "method": "addCookies",
            "params": {
                "cookies": [{"name": "x", "value": ADDED, "url": "https://www.linkedin.com"}]
            },
        },
        {
            "type": "before",
            "callId": "c@11",
            "class": "Frame",
            "method": "evaluateExpression",
            "params": {
                "expression": "f",
                "arg": {"value": {"a": [{"s": HEADER_CSRF}, {"s": ROTATED_JSESSIONID.strip('"')}]}},
            },
        },
        {
            "type": "before",
            "callId": "c@12",
            "class": "Frame",
            "method": "setInputFiles",
            "params": {"selector": "input", "payloads": [{"name": "f", "buffer": "c2VjcmV0"}]},
        },
        {
            "type": "console",
            "messageType": "log",
            "text": f"pw={quote(PASSWORD)} {LI_AT[::1]}",
            "args": [{"preview": PASSWORD, "value": PASSWORD}],
        },
        {
            "type": "event",
            "class": "BrowserContext",
            "method": "dialog",
            "params": {"message": "x", "defaultValue": base64.b64encode(LI_AT.encode()).decode()},
        },
    ]


def _network() -> list[dict[str, Any]]:
    request = {
        "method": "POST",
        "url": "https://www.linkedin.com/checkpoint/lg/login-submit",
        "headers": [
            {
                "name": "Cookie",
                "value": f"JSESSIONID={ROTATED_JSESSIONID}; bcookie={ROTATED_BCOOKIE};"
                f" lidc={HEADER_ONLY}",
            },
            {"name": "csrf-token", "value": HEADER_CSRF},
        ],
        "cookies": [{"name": "li_at", "value": LI_AT}],
        "queryString": [{"name": "session_token", "value": "q-token-55"}],
        "postData": {
            "mimeType": "application/x-www-form-urlencoded",
            "text": f"session_key=a%40b.c&session_password={quote_plus(PASSWORD)}",
            "params": [{"name": "session_password", "value": PASSWORD}],
        },
    }
    response = {
        "status": 302,
        "headers": [{"name": "Set-Cookie", "value": f"li_rt={SET_COOKIE}; Path=/; HttpOnly"}],
        "cookies": [{"name": "li_rt", "value": SET_COOKIE}],
        "content": {"_sha1": "abc.html"},
    }
    return [{"type": "resource-snapshot", "snapshot": {"request": request, "response": response}}]


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _lines(events: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events).encode()


def _trace(**extra: bytes) -> bytes:
    page = (
        f'<html><input value="{html.escape(PASSWORD)}"><script>var t={json.dumps(SET_COOKIE)};'
        f"var j='{ROTATED_JSESSIONID.strip(chr(34))}';var l='{HEADER_ONLY}'</script></html>"
    )
    return _zip(
        {
            "trace.trace": _lines(_events()),
            "trace.network": _lines(_network()),
            "trace.stacks": json.dumps({"files": ["/app/run.py"], "stacks": []}).encode(),
            "resources/abc.html": page.encode(),
            "resources/img.png": b"\x89PNG\r\n\x1a\n\x00\x00binary",
            **extra,
        }
    )


SECRETS = [
    PASSWORD,
    PIN,
    LI_AT,
    ROTATED_JSESSIONID,
    ROTATED_BCOOKIE,
    LOCAL_TOKEN,
    SESSION_TOKEN,
    ADDED,
    HEADER_CSRF,
    SET_COOKIE,
    HEADER_ONLY,
]


def test_every_leaking_shape_is_redacted() -> None:
    # The jar is empty now: every cookie above was rotated away before the save.
    clean = scrub_trace(_trace(), secrets=[PASSWORD, PIN, LI_AT], cookies=[])
    forms = secret_forms(SECRETS)
    with zipfile.ZipFile(io.BytesIO(clean)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    assert set(members) == {
        "trace.trace",
        "trace.network",
        "trace.stacks",
        "resources/abc.html",
        "resources/img.png",
    }
    for name, data in members.items():
        text = data.decode("utf-8", "replace")
        for form in forms:
            assert form not in text, (name, form)
        assert PASSWORD[::-1] not in text
    events = [json.loads(line) for line in members["trace.trace"].decode().splitlines()]
    typed = [e for e in events if e.get("method") in ("keyboardType", "keyboardPress", "press")]
    assert len(typed) == len(PASSWORD) + 2
    assert all(REDACTED in json.dumps(e["params"]) for e in typed)
    # What is not secret is kept: the trace still shows what happened.
    assert events[1]["params"]["url"] == "https://www.linkedin.com/feed/"
    assert events[1]["method"] == "goto"
    assert members["resources/img.png"].startswith(b"\x89PNG")
    assert "session_key=a%40b.c" in members["trace.network"].decode()


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"trace.trace": b"{not json\n"}, "cannot be parsed"),
        ({"more.trace": _lines([{"type": "brand-new", "data": PASSWORD}])}, "unknown kind"),
        (
            {
                "more.trace": _lines(
                    [
                        {
                            "type": "before",
                            "callId": "z",
                            "method": "fill",
                            "params": {"selector": "#p"},
                        }
                    ]
                )
            },
            "unknown shape",
        ),
        ({"more.trace": _lines([{"type": "screencast-frame", "sha1": "a.jpeg"}])}, "pictures"),
        (
            {
                "more.trace": _lines(
                    [
                        {"type": "before", "callId": "z", "method": "storageState"},
                        {"type": "after", "callId": "z", "result": ["x"]},
                    ]
                )
            },
            "unknown shape",
        ),
        ({"resources/font.woff": b"\x00\xff" + PIN.encode() + b"\x00"}, "still in"),
    ],
)
def test_a_trace_that_cannot_be_shown_clean_is_refused(
    extra: dict[str, bytes], reason: str
) -> None:
    with pytest.raises(TraceNotRedacted) as err:
        scrub_trace(_trace(**extra), secrets=[PASSWORD, PIN, LI_AT])
    assert reason in str(err.value)
    for secret in SECRETS:
        assert secret not in str(err.value) and secret.strip('"') not in str(err.value)


def test_no_secret_no_change_in_meaning() -> None:
    events = [{"type": "before", "callId": "a", "method": "goto", "params": {"url": "u"}}]
    clean = scrub_trace(_zip({"trace.trace": _lines(events)}), secrets=[PASSWORD])
    with zipfile.ZipFile(io.BytesIO(clean)) as archive:
        assert [json.loads(x) for x in archive.read("trace.trace").splitlines()] == events


def test_typed_values_are_blanked_even_when_no_secret_is_known() -> None:
    clean = scrub_trace(_trace(), secrets=[], cookies=[])
    with zipfile.ZipFile(io.BytesIO(clean)) as archive:
        events = [json.loads(x) for x in archive.read("trace.trace").splitlines()]
        network = archive.read("trace.network").decode()
    by_call: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_call.setdefault(event.get("callId", ""), []).append(event)
    fill = by_call["c@2"]
    assert fill[0]["params"]["value"] == REDACTED and PASSWORD not in fill[0]["title"]
    assert fill[1]["message"] == f'  fill("{REDACTED}")'
    assert "Timeout" in json.dumps(fill[2]["error"]) and "wörd" not in json.dumps(fill[2]["error"])
    assert by_call["c@5"][1]["message"] == f'elementHandle.press("{REDACTED}")'
    assert by_call["c@7"][1]["result"] == {"value": REDACTED}
    assert by_call["c@3"][0]["params"]["text"] == REDACTED
    assert by_call["c@6"][0]["params"]["text"] == REDACTED
    assert by_call["c@12"][0]["params"]["payloads"] == REDACTED
    typed = "".join(e["params"]["text"] for e in events if e.get("method") == "keyboardType")
    assert typed == REDACTED * len(PASSWORD)
    stored = json.dumps(by_call["c@8"][1]["result"])
    for value in (LI_AT, LOCAL_TOKEN, SESSION_TOKEN, ROTATED_JSESSIONID.strip('"')):
        assert value not in stored
    for value in (HEADER_ONLY, HEADER_CSRF, SET_COOKIE, quote_plus(PASSWORD), "q-token-55"):
        assert value not in network
