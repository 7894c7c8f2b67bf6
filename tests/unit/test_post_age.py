"""LinkedIn's relative post dates, parsed to approximate ages."""

from __future__ import annotations

import pytest

from linkedin.touchpoints.posts import activity_url, parse_age


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5h • 🌐", ("5h", 5 / 24)),
        ("3d • Edited • 🌐", ("3d", 3.0)),
        ("1w", ("1w", 7.0)),
        ("2mo •", ("2mo", 60.0)),
        ("1yr", ("1yr", 365.0)),
        ("45m", ("45m", 45 / 1440)),
        ("3 days ago • Visible to anyone", ("3d", 3.0)),
        ("Just now", ("now", 0.0)),
        ("Promoted", None),
    ],
)
def test_parse_age(text: str, expected: tuple[str, float] | None) -> None:
    parsed = parse_age(text)
    if expected is None:
        assert parsed is None
    else:
        assert parsed is not None
        assert parsed[0] == expected[0]
        assert parsed[1] == pytest.approx(expected[1])


def test_activity_url() -> None:
    url = "https://www.linkedin.com/in/jane-doe?trk=x"
    assert activity_url(url) == "https://www.linkedin.com/in/jane-doe/recent-activity/all/"
