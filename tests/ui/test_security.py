"""The operator page's doors: the session cookie, CSRF, the live view's socket."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from openoutreach_server.ui.auth import SESSION_S, SessionSigner
from tests.conftest import API_KEY
from tests.ui.conftest import csrf_of


@pytest.fixture
def ui(api: httpx.Client) -> Iterator[httpx.Client]:
    """A browser-like client (no API key header) logged in to the operator page."""
    with httpx.Client(base_url=str(api.base_url), timeout=30) as client:
        token = re.search(r'name="login_token" value="([^"]+)"', client.get("/ui/login").text)
        assert token
        response = client.post(
            "/ui/login",
            data={"api_key": API_KEY, "login_token": token.group(1), "next": "/ui/runs"},
        )
        assert response.status_code == 303 and response.headers["location"] == "/ui/runs"
        assert client.cookies.get("oo_ui")
        yield client


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(
    api: httpx.Client, ui: httpx.Client, account: str
) -> None:
    token = csrf_of(ui.get(f"/ui/accounts/{account}").text)
    for data, headers in (
        ({"reason": "x"}, {}),  # no token
        ({"reason": "x", "csrf": "forged"}, {}),  # a wrong one
        ({"reason": "x", "csrf": token}, {"origin": "http://evil.example"}),  # from elsewhere
    ):
        refused = ui.post(f"/ui/accounts/{account}/pause", data=data, headers=headers)
        assert refused.status_code == 403, refused.text
        assert "expired or did not come from this page" in refused.text
    assert api.get(f"/accounts/{account}").json()["status"] == "needs_login"
    done = ui.post(f"/ui/accounts/{account}/pause", data={"csrf": token})
    assert done.status_code == 303
    assert api.get(f"/accounts/{account}").json()["status"] == "paused"


def test_the_ui_cookie_does_not_open_the_json_api(
    api: httpx.Client, ui: httpx.Client, account: str
) -> None:
    cookie = {"cookie": f"oo_ui={ui.cookies['oo_ui']}"}
    base = str(api.base_url)
    for method, path in (("GET", "/accounts"), ("GET", "/runs"), ("POST", "/accounts/jane/pause")):
        response = httpx.request(method, base + path, headers=cookie)
        assert response.status_code == 401, (path, response.text)
    assert api.get(f"/accounts/{account}").json()["status"] == "needs_login"
    # Without a session, pages send a browser to the login form; a POST is 401.
    assert httpx.get(base + "/ui/accounts").status_code == 303
    assert httpx.post(base + f"/ui/accounts/{account}/pause").status_code == 401
    # A tampered cookie is no session.
    forged = ui.cookies["oo_ui"][:-2] + "AA"
    assert (
        httpx.get(base + "/ui/accounts", headers={"cookie": f"oo_ui={forged}"}).status_code == 303
    )


def test_the_login_form_needs_its_own_token(api: httpx.Client) -> None:
    with httpx.Client(base_url=str(api.base_url)) as client:
        response = client.post("/ui/login", data={"api_key": API_KEY})
        assert response.status_code == 403
        assert "oo_ui" not in response.cookies


def test_the_live_socket_checks_session_origin_and_csrf(
    api: httpx.Client, ui: httpx.Client, account: str
) -> None:
    url = str(api.base_url).replace("http://", "ws://") + f"/ui/accounts/{account}/live/ws"
    origin = str(api.base_url)
    cookie = f"oo_ui={ui.cookies['oo_ui']}"
    for headers in ({"Origin": origin}, {"Cookie": cookie, "Origin": "http://evil.example"}):
        with pytest.raises(InvalidStatus) as refused:
            connect(url, additional_headers=headers, open_timeout=10).close()
        assert refused.value.response.status_code == 403
    with connect(url, additional_headers={"Cookie": cookie, "Origin": origin}) as ws:
        ws.send('{"t": "hello", "csrf": "wrong"}')
        assert "expired" in str(ws.recv(timeout=10))
    # Nothing was opened: no login run was queued or claimed.
    assert api.get("/runs", params={"type": "login"}).json()["items"] == []


def test_session_tokens_expire_and_die_with_their_api_key() -> None:
    now = [1_000_000.0]
    keys = ["key-a", "key-b"]
    signer = SessionSigner(b"k" * 32, lambda: keys, lambda: now[0])
    token = signer.issue("key-a")
    assert "key-a" not in token
    session = signer.verify(token)
    assert session is not None and session.csrf
    assert SessionSigner(b"x" * 32, lambda: keys, lambda: now[0]).verify(token) is None
    now[0] += SESSION_S - 1
    assert signer.verify(token) is not None
    now[0] += 2
    assert signer.verify(token) is None  # 12 hours later
    now[0] = 1_000_000.0
    keys.remove("key-a")
    assert signer.verify(token) is None  # its API key was withdrawn
    assert signer.verify(signer.issue("key-b")) is not None
