"""Page state is decided from the URL path, never from substrings of the whole URL."""

from __future__ import annotations

import pytest

from linkedin.browser.page_state import PageState, classify_url

B = "https://www.linkedin.com"


@pytest.mark.parametrize(
    ("url", "state"),
    [
        (f"{B}/feed/", PageState.FEED),
        (f"{B}/feed", PageState.FEED),
        (f"{B}/feed/?trk=guest", PageState.FEED),
        (f"{B}/login", PageState.LOGIN),
        (f"{B}/login?session_redirect=%2Ffeed%2F", PageState.LOGIN),
        (f"{B}/login?session_redirect=/feed/", PageState.LOGIN),
        (
            f"{B}/uas/login?session_redirect=https%3A%2F%2Fwww.linkedin.com%2Fin%2Fx%2F",
            PageState.LOGIN,
        ),
        (f"{B}/checkpoint/lg/login-submit", PageState.LOGIN),
        (f"{B}/checkpoint/challenge/AgE123/", PageState.CHECKPOINT),
        (f"{B}/checkpoint/challenge/AgE123/?redirect=/feed/", PageState.CHECKPOINT),
        (f"{B}/uas/consumer-email-challenge", PageState.CHECKPOINT),
        (f"{B}/authwall?trk=bf&sessionRedirect=%2Fin%2Fjane%2F", PageState.AUTHWALL),
        (f"{B}/404/", PageState.NOT_FOUND),
        (f"{B}/in/jane-doe/", PageState.PROFILE),
        (f"{B}/in/jane-doe", PageState.PROFILE),
        (f"{B}/in/jane-doe/?originalSubdomain=uk", PageState.PROFILE),
        (f"{B}/in/jane-doe/recent-activity/all/", PageState.OTHER),
        (f"{B}/feed/update/urn:li:activity:1/", PageState.OTHER),
        (f"{B}/mynetwork/?next=/login", PageState.OTHER),
        (f"{B}/search/results/people/?keywords=checkpoint%20feed", PageState.OTHER),
        ("http://127.0.0.1:8765/in/x/", PageState.PROFILE),
        ("about:blank", PageState.OTHER),
    ],
)
def test_classify_url(url: str, state: PageState) -> None:
    assert classify_url(url) == state


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/feed/",
        "https://evil.example/in/jane-doe/",
        "https://evil.example/login",
        "https://www.linkedin.com.evil.example/feed/",
        "http://127.0.0.1:9999/checkpoint/challenge/x/",
        "chrome-error://chromewebdata/",
    ],
)
def test_a_page_on_another_host_is_never_a_linkedin_state(url: str) -> None:
    host = "www.linkedin.com" if "linkedin" in url or "evil" in url else "127.0.0.1:8765"
    assert classify_url(url, host) == PageState.OTHER
    assert classify_url(f"{B}/feed/", "www.linkedin.com") == PageState.FEED
    assert classify_url("http://127.0.0.1:8765/in/x/", "127.0.0.1:8765") == PageState.PROFILE


def test_the_off_host_route_skips_only_the_host_and_linkedins_asset_cdn() -> None:
    from linkedin.browser.host_guard import off_host_pattern

    pattern = off_host_pattern("www.linkedin.com")
    routed = [
        "https://evil.example/",
        "https://www.linkedin.com.evil.example/",
        "https://licdn.com.evil.example/x.js",
        "http://127.0.0.1:9/",
    ]
    skipped = [
        "https://www.linkedin.com/feed/",
        "https://static.licdn.com/sc/h/app.js",
        "https://media.licdn.com/dms/image/x",
    ]
    assert all(pattern.match(url) for url in routed)
    assert not any(pattern.match(url) for url in skipped)
