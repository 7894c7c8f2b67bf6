"""Operator page sessions: a signed cookie stands in for the API key, with a CSRF token.

Why a signed token and not a random one kept in memory: the API may be served by several
processes (and restarted), and a session must work in all of them for 12 hours. So the
cookie holds `expiry.nonce.key_id.signature`, an HMAC-SHA256 under a key derived (HKDF)
from the server's secret key, which every process shares. Nothing is stored server-side:

- the raw API key is never in the cookie; `key_id` is an HMAC of the key that was pasted,
  so removing that key from OO_API_KEYS ends its sessions;
- the CSRF token of a session is an HMAC of its nonce (no state either), sent in a hidden
  field with every form and as the first message of the live view's WebSocket;
- logout clears the cookie; a copied cookie stays valid until it expires (12 h), which is
  why it is HttpOnly, SameSite=Strict, Path=/ui and Secure over https.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from openoutreach_server.context import ServerContext

COOKIE = "oo_ui"
# Double-submit token of the login form (there is no session yet to bind a CSRF token to).
LOGIN_COOKIE = "oo_ui_login"
PREFIX = "/ui"
SESSION_S = 12 * 3600
# Paths under /ui anyone may open: the login form and the page's own CSS and script.
PUBLIC_PATHS = frozenset({"/ui/login"})
STATIC_PREFIX = "/ui/static/"
_PURPOSE = "openoutreach-server ui session v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class UiSession:
    """A valid operator session: when it ends, its CSRF token, a short id for logs."""

    expires: int
    csrf: str
    viewer: str


class SessionSigner:
    """Issues and checks session tokens; stateless, so any process sharing the secret key
    accepts the tokens of the others."""

    def __init__(
        self, key: bytes, api_keys: Callable[[], Collection[str]], now: Callable[[], float]
    ) -> None:
        self._key = key
        self._api_keys = api_keys
        self._now = now

    def _mac(self, label: str, message: str) -> bytes:
        return hmac.new(self._key, f"{label}:{message}".encode(), hashlib.sha256).digest()

    def _key_id(self, api_key: str) -> str:
        return _b64(self._mac("key", api_key))[:22]

    def issue(self, api_key: str) -> str:
        """A session token for an operator who presented `api_key` (already checked)."""
        expires = int(self._now()) + SESSION_S
        payload = f"{expires}.{_b64(secrets.token_bytes(16))}.{self._key_id(api_key)}"
        return f"{payload}.{_b64(self._mac('session', payload))}"

    def verify(self, token: str | None) -> UiSession | None:
        """The session a token stands for, or None if it is forged, expired or its API key
        is no longer accepted."""
        parts = (token or "").split(".")
        if len(parts) != 4 or not parts[0].isdigit():
            return None
        payload = ".".join(parts[:3])
        if not hmac.compare_digest(parts[3].encode(), _b64(self._mac("session", payload)).encode()):
            return None
        expires, nonce, key_id = int(parts[0]), parts[1], parts[2]
        now = self._now()
        if not now < expires <= now + SESSION_S + 60:
            return None
        known = False
        for key in self._api_keys():
            known |= hmac.compare_digest(key_id.encode(), self._key_id(key).encode())
        if not known:
            return None
        csrf = _b64(self._mac("csrf", nonce))
        viewer = hashlib.sha256(nonce.encode()).hexdigest()[:8]
        return UiSession(expires=expires, csrf=csrf, viewer=viewer)


def signer(ctx: ServerContext) -> SessionSigner:
    """The signer of this server (its key derived from the secret key)."""
    return SessionSigner(ctx.box.derive_key(_PURPOSE), lambda: ctx.api_keys, ctx.clock.now)


def csrf_matches(session: UiSession, presented: str | None) -> bool:
    """Constant-time check of a presented CSRF token."""
    return hmac.compare_digest(session.csrf.encode(), (presented or "").encode())


def origin_allowed(origin: str | None, host: str | None, forwarded_host: str | None) -> bool:
    """Whether a request's Origin is this server: its host[:port] is the Host header (or
    the X-Forwarded-Host a reverse proxy set). The scheme is not compared: a TLS proxy in
    front makes the browser's https origin reach the server as http."""
    if not origin:
        return False
    netloc = urlsplit(origin).netloc.lower()
    return bool(netloc) and netloc in {(h or "").lower() for h in (host, forwarded_host) if h}


def cookie_value(header: str | None, name: str = COOKIE) -> str | None:
    """One cookie's value from a Cookie header."""
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def gate_check(ctx: ServerContext) -> Callable[[str, str | None], bool]:
    """For the Gate: whether a request to a /ui path may pass (public, or a valid session
    cookie). Never consulted for the JSON API."""

    def check(path: str, cookie_header: str | None) -> bool:
        if path in PUBLIC_PATHS or path.startswith(STATIC_PREFIX):
            return True
        return signer(ctx).verify(cookie_value(cookie_header)) is not None

    return check
