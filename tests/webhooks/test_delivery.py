"""Webhooks end to end over real HTTP: the server's worker delivers to real receivers, and
the receivers check signatures with the Standard Webhooks library a client would use."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from tests.support.receiver import Receiver
from tests.webhooks.conftest import MISSING, register, run, wait_until


def _deliveries(api: httpx.Client, hook_id: int) -> list[dict[str, object]]:
    return list(api.get(f"/webhooks/{hook_id}/deliveries").json()["items"])


def test_a_finished_run_reaches_the_endpoint_signed(
    server: httpx.Client, receiver: Receiver
) -> None:
    hook = register(server, receiver.url + "/hook")
    assert hook["secret"].startswith("whsec_")
    run_id = run(server)
    [got] = receiver.wait_for(1)
    payload = got.verify(hook["secret"])  # raises unless the signature is right
    event = server.get("/events", params={"type": "run.completed"}).json()["items"][0]
    assert payload == event  # the feed's item, byte for byte the same data
    assert got.headers["webhook-id"] == str(event["id"])
    assert got.path == "/hook" and got.headers["content-type"] == "application/json"
    assert payload["data"]["run_id"] == run_id and payload["data"]["status"] == "completed"
    assert payload["data"]["result"] == {"visited": "https://www.linkedin.com/in/john-smith/"}
    [delivery] = wait_until(
        lambda: [d for d in _deliveries(server, hook["id"]) if d["status"] == "delivered"]
    )
    assert delivery["attempts"] == 1 and delivery["last_status"] == 200
    assert delivery["event_id"] == event["id"] and delivery["event_type"] == "run.completed"
    assert isinstance(delivery["last_latency_ms"], float)
    shown = server.get(f"/webhooks/{hook['id']}").json()
    assert "secret" not in shown and shown["last_success_at"] is not None


def test_filters_and_a_runs_callback_url(server: httpx.Client) -> None:
    with Receiver() as failures, Receiver() as everything, Receiver() as callback:
        register(server, failures.url, event_types=["run.failed"])
        every = register(server, everything.url)
        ok = run(server, callback_url=callback.url + "/cb?token=abc")
        bad = run(server, MISSING)
        got = everything.wait_for(2)
        assert sorted(r.verify(every["secret"])["type"] for r in got) == [
            "run.completed",
            "run.failed",
        ]
        [failed] = failures.wait_for(1)
        assert failed.json["data"]["run_id"] == bad
        assert failed.json["data"]["error_code"] == "PROFILE_NOT_FOUND"
        [called] = callback.wait_for(1)
        secret = server.get("/webhooks/callback-secret").json()["secret"]
        assert called.verify(secret)["data"]["run_id"] == ok
        assert called.path == "/cb?token=abc"
        # Nothing more arrives: the filter held, the callback got only its own run.
        server.post("/accounts/jane/pause", json={"reason": "done"}).raise_for_status()
        everything.wait_for(3)
        assert len(failures.requests) == 1 and len(callback.requests) == 1


def test_failures_retry_with_the_same_id_and_honour_retry_after(
    server: httpx.Client, receiver: Receiver
) -> None:
    receiver.behaviour.statuses = [500, 503, 200]
    receiver.behaviour.headers = {"Retry-After": "1"}
    hook = register(server, receiver.url)
    run(server)
    got = receiver.wait_for(3, timeout=20)
    assert len({r.headers["webhook-id"] for r in got}) == 1
    assert all(r.verify(hook["secret"]) for r in got)
    # Waited about as long as Retry-After said, not the 5-second first backoff.
    assert 0.8 <= got[1].at - got[0].at < 4.5
    [delivery] = wait_until(
        lambda: [d for d in _deliveries(server, hook["id"]) if d["status"] == "delivered"]
    )
    assert delivery["attempts"] == 3 and delivery["last_status"] == 200


def test_410_gone_disables_the_endpoint_until_re_enabled(
    server: httpx.Client, receiver: Receiver
) -> None:
    receiver.behaviour.statuses = [410, 200]
    hook = register(server, receiver.url)
    run(server)
    receiver.wait_for(1)
    shown = wait_until(
        lambda: (h := server.get(f"/webhooks/{hook['id']}").json())["enabled"] is False and h
    )
    assert "410" in shown["disabled_reason"]
    [disabled] = server.get("/events", params={"type": "webhook.disabled"}).json()["items"]
    assert disabled["data"]["webhook_id"] == hook["id"]
    [delivery] = _deliveries(server, hook["id"])
    assert delivery["status"] == "failed" and delivery["last_status"] == 410
    second = run(server)  # not sent: the endpoint is disabled when it ends
    wait_until(lambda: server.get(f"/runs/{second}").json()["status"] == "completed")
    patched = server.patch(f"/webhooks/{hook['id']}", json={"enabled": True}).json()
    assert patched["enabled"] and patched["disabled_reason"] is None
    third = run(server)
    later = receiver.wait_for(2)
    assert later[1].verify(hook["secret"])["data"]["run_id"] == third
    assert len(receiver.requests) == 2


def test_an_endpoint_failing_for_days_is_disabled(
    start_server: Callable[..., httpx.Client], receiver: Receiver
) -> None:
    api = start_server(webhook_disable_after_s=1.0)
    receiver.behaviour.statuses = [500]
    receiver.behaviour.headers = {"Retry-After": "1"}
    hook = register(api, receiver.url)
    run(api)
    shown = wait_until(
        lambda: (h := api.get(f"/webhooks/{hook['id']}").json())["enabled"] is False and h,
        timeout=20,
    )
    assert "every delivery failed" in shown["disabled_reason"]
    assert len(receiver.requests) >= 2
    kinds = [e["type"] for e in api.get("/events").json()["items"]]
    assert "webhook.disabled" in kinds


def test_redirects_are_not_followed(server: httpx.Client, receiver: Receiver) -> None:
    receiver.behaviour.statuses = [302]
    receiver.behaviour.headers = {"Location": receiver.url + "/elsewhere"}
    hook = register(server, receiver.url + "/hook")
    run(server)
    [delivery] = wait_until(
        lambda: [d for d in _deliveries(server, hook["id"]) if d["last_status"] == 302]
    )
    assert delivery["status"] == "pending" and "not followed" in str(delivery["last_error"])
    assert [r.path for r in receiver.requests] == ["/hook"]


def test_a_silent_endpoint_times_out(
    start_server: Callable[..., httpx.Client], receiver: Receiver
) -> None:
    import threading

    api = start_server(webhook_timeout_s=1.0)
    receiver.behaviour.hang = threading.Event()
    hook = register(api, receiver.url)
    run(api)
    [delivery] = wait_until(
        lambda: [d for d in _deliveries(api, hook["id"]) if d["last_error"]], timeout=15
    )
    assert delivery["status"] == "pending" and delivery["last_error"] == "no answer within 1s"
    assert delivery["next_attempt_at"] is not None


def test_redelivery_sends_the_same_id_again(server: httpx.Client, receiver: Receiver) -> None:
    with Receiver() as other:
        hook = register(server, receiver.url)
        second = register(server, other.url)
        run(server)
        [first] = receiver.wait_for(1)
        other.wait_for(1)
        event_id = int(first.headers["webhook-id"])
        again = server.post(f"/events/{event_id}/redeliver", json={"webhook_id": hook["id"]})
        assert again.status_code == 202, again.text
        assert [d["webhook_id"] for d in again.json()["deliveries"]] == [hook["id"]]
        [_, replay] = receiver.wait_for(2)
        assert replay.headers["webhook-id"] == str(event_id)
        assert replay.verify(hook["secret"]) == first.verify(hook["secret"])
        everyone = server.post(f"/events/{event_id}/redeliver")
        assert everyone.status_code == 202
        assert sorted(d["webhook_id"] for d in everyone.json()["deliveries"]) == [
            hook["id"],
            second["id"],
        ]
        receiver.wait_for(3)
        other.wait_for(2)
        assert server.post("/events/999999/redeliver").status_code == 404
        missing = server.post(f"/events/{event_id}/redeliver", json={"webhook_id": 999})
        assert missing.status_code == 404
        server.patch(f"/webhooks/{hook['id']}", json={"enabled": False}).raise_for_status()
        off = server.post(f"/events/{event_id}/redeliver", json={"webhook_id": hook["id"]})
        assert off.status_code == 409 and "disabled" in off.json()["detail"]


def test_a_rotated_secret_signs_what_follows(server: httpx.Client, receiver: Receiver) -> None:
    hook = register(server, receiver.url)
    rotated = server.post(f"/webhooks/{hook['id']}/rotate-secret").json()
    assert rotated["secret"] != hook["secret"] and rotated["secret"].startswith("whsec_")
    run(server)
    [got] = receiver.wait_for(1)
    assert got.verify(rotated["secret"])
    with pytest.raises(WebhookVerificationError):
        got.verify(hook["secret"])


def test_a_private_target_is_refused_again_at_delivery(
    start_server: Callable[..., httpx.Client], receiver: Receiver
) -> None:
    api = start_server()  # private targets allowed: the webhook is registered
    hook = register(api, receiver.url)
    api = start_server(webhook_allow_private=False)  # the operator turned it off since
    run(api)
    [delivery] = wait_until(
        lambda: [d for d in _deliveries(api, hook["id"]) if d["last_error"]], timeout=15
    )
    assert "loopback" in str(delivery["last_error"]) and delivery["last_status"] is None
    assert receiver.requests == []
