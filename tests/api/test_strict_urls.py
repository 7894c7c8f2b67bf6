"""Profile and post URLs: strict ids, rebuilt before they are stored (no path tricks)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

B = "https://www.linkedin.com"


def _post(api: httpx.Client, handle: str, touchpoint: dict[str, object]) -> httpx.Response:
    return api.post("/runs", json={"handle": handle, "touchpoint": touchpoint})


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"{B}/in/../login/", "(it contains '.')"),
        (f"{B}/in/..\\login?session_redirect=/\\evil.example/", "backslashes"),
        (f"{B}/in/jane\\doe/", "backslashes"),
        (f"{B}/in/%2e%2e/", "(it contains '.')"),
        (f"{B}/in/%2E%2E%2Flogin/", "(it contains '.')"),
        (f"{B}/in/jane%2Fdoe/", "(it contains '/')"),
        (f"{B}/in/jane%5Cdoe/", "(it contains '\\\\')"),
        (f"{B}/in/jane%0Adoe/", "(it contains U+000A)"),
        (f"{B}/in/jane%ZZ/", "(it contains '%')"),
        (f"{B}/in/{'a' * 101}/", "longer than 100"),
        ("https://evil.example@www.linkedin.com/in/jane/", "credentials"),
    ],
)
def test_bad_profile_ids_are_refused_with_the_reason(
    api: httpx.Client, account: str, data_dir: Path, url: str, problem: str
) -> None:
    response = _post(api, account, {"type": "visit", "profile_url": url})
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert errors[0]["field"] == "touchpoint.profile_url", errors
    assert problem in errors[0]["message"], errors
    with sqlite3.connect(data_dir / "openoutreach.db") as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_bad_post_urls_and_public_identifiers_are_refused(api: httpx.Client, account: str) -> None:
    for url in (
        f"{B}/feed/update/urn:li:activity:12/../../login/",
        f"{B}/feed/update/urn:li:activity:12%2F..%2F/",
        f"{B}/feed/update/urn:li:share:12/",
        f"{B}/feed/update/urn:li:activity:12\\x/",
    ):
        response = _post(api, account, {"type": "react", "post_url": url})
        assert response.status_code == 422, (url, response.text)
        assert response.json()["errors"][0]["field"].endswith("post_url")
    response = _post(api, account, {"type": "enrich", "public_identifier": "../login"})
    assert response.status_code == 422
    assert "(it contains '.')" in response.json()["errors"][0]["message"]


def test_a_query_is_fine_but_dropped_and_ids_are_rebuilt(api: httpx.Client, account: str) -> None:
    given = {
        f"{B}/in/jane-doe?trk=abc#top": f"{B}/in/jane-doe/",
        f"{B}/in/j%C3%B6rg_m": f"{B}/in/j%C3%B6rg_m/",
        f"{B}/in/jörg-m/": f"{B}/in/j%C3%B6rg-m/",
    }
    for url, stored in given.items():
        response = _post(api, account, {"type": "visit", "profile_url": url})
        assert response.status_code == 201, response.text
        assert response.json()["touchpoint"]["profile_url"] == stored
        run = api.get(f"/runs/{response.json()['run_id']}").json()
        assert run["touchpoint"]["profile_url"] == stored
    post = f"{B}/feed/update/urn%3Ali%3Aactivity%3A7260000000000000001?utm=x"
    response = _post(api, account, {"type": "react", "post_url": post})
    assert response.status_code == 201, response.text
    assert (
        response.json()["touchpoint"]["post_url"]
        == f"{B}/feed/update/urn:li:activity:7260000000000000001/"
    )
