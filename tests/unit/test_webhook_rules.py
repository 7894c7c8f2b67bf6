"""The deliverer's pure rules: the retry schedule, Retry-After, which addresses are public,
and the signature a receiver checks."""

from __future__ import annotations

import ipaddress
import time

import pytest
from standardwebhooks.webhooks import Webhook

from openoutreach_server.events.deliverer import BACKOFF_S, parse_retry_after, retry_delay
from openoutreach_server.events.signing import new_secret, payload, signed_headers
from openoutreach_server.events.targets import TargetRefused, check_url, public
from openoutreach_server.store.sql.events import EventRecord


def test_the_backoff_spans_about_three_days_then_gives_up() -> None:
    total = sum(BACKOFF_S)
    assert 2.5 * 86400 < total < 3.5 * 86400
    for attempt, base in enumerate(BACKOFF_S, start=1):
        delay = retry_delay(attempt)
        assert delay is not None and 0.8 * base <= delay <= 1.2 * base
    assert retry_delay(len(BACKOFF_S) + 1) is None
    delays = {retry_delay(3) for _ in range(20)}
    assert len(delays) > 1  # jittered: endpoints that failed together do not retry together


def test_retry_after_wins_within_bounds() -> None:
    assert retry_delay(1, 42.0) == 42.0
    assert retry_delay(1, 0.0) == 1.0
    assert retry_delay(1, 10 * 86400) == 86400
    assert retry_delay(len(BACKOFF_S) + 1, 5.0) is None
    assert parse_retry_after("120", 0) == 120
    now = 1_800_000_000.0
    assert parse_retry_after("Fri, 15 Jan 2027 08:00:30 GMT", now) == 30.0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.31.255.255", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.251", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd12::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.215.14", True),
    ],
)
def test_only_public_addresses_are_targets(address: str, expected: bool) -> None:
    assert public(ipaddress.ip_address(address)) is expected


def test_check_url_allows_private_only_when_told() -> None:
    with pytest.raises(TargetRefused, match=r"127\.0\.0\.1"):
        check_url("http://127.0.0.1:8000/x", allow_private=False)
    check_url("http://127.0.0.1:8000/x", allow_private=True)
    with pytest.raises(TargetRefused, match="credentials"):
        check_url("https://u:p@93.184.215.14/", allow_private=True)


def test_a_receiver_verifies_the_signature() -> None:
    secret = new_secret()
    event = EventRecord(7, "run.completed", "jane", 3, {"run_id": 3}, 1_800_000_000.5)
    body = payload(event)
    headers = signed_headers(secret, event.id, body, 1_800_000_001.0)
    assert headers["webhook-id"] == "7" and headers["webhook-timestamp"] == "1800000001"
    # The library's verify also refuses stale timestamps: check against its own clock.
    fresh = signed_headers(secret, event.id, body, time.time())
    assert Webhook(secret).verify(body, fresh)["data"] == {"run_id": 3}
    assert Webhook(secret).verify(body, fresh)["timestamp"].startswith("2027-01-15T08:00:00.5")
