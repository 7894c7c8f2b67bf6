"""`client.webhooks` and `client.events.redeliver` against a real server: CRUD and secrets on
an API-only server (its deliveries stay pending: no worker sends them), and real deliveries
to a local receiver from a server with a worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from openoutreach_client import (
    AsyncClient,
    Client,
    Conflict,
    InvalidInput,
    NotFound,
    Redelivered,
    VisitInput,
    Webhook,
    WebhookCreated,
)
from tests.client.conftest import PROFILE, rows, wait_until
from tests.conftest import API_KEY
from tests.support.receiver import Receiver

PUBLIC = "https://93.184.215.14/hooks/oo"  # an IP literal: accepted, never contacted here
OTHER = "https://93.184.215.15/hooks/oo"


def _hook_row(data_dir: Path, hook_id: int) -> dict[str, object]:
    (row,) = rows(
        data_dir, "SELECT url, event_types, description FROM webhooks WHERE id = ?", hook_id
    )
    return row


def test_create_list_get_patch_rotate_and_delete(oo: Client, data_dir: Path) -> None:
    created = oo.webhooks.create(
        PUBLIC, event_types=["run.failed", "run.completed"], description="crm"
    )
    assert isinstance(created, WebhookCreated)
    assert created.secret.startswith("whsec_") and len(created.secret) > 40
    assert created.secret not in repr(created)  # a logged model does not leak it
    assert created.event_types == ["run.completed", "run.failed"] and created.enabled
    assert _hook_row(data_dir, created.id)["url"] == PUBLIC

    assert [h.id for h in oo.webhooks.list().items] == [created.id]
    shown = oo.webhooks.get(created.id)
    assert type(shown) is Webhook and not hasattr(shown, "secret")
    assert (shown.url, shown.description) == (PUBLIC, "crm")

    every = oo.webhooks.patch(created.id, event_types=None)  # explicit null: every type
    assert every.event_types is None and every.description == "crm" and every.url == PUBLIC
    assert _hook_row(data_dir, created.id)["event_types"] is None
    back = oo.webhooks.patch(created.id, event_types=["run.canceled"], url=OTHER)
    assert back.event_types == ["run.canceled"] and back.url == OTHER
    assert back.description == "crm"  # not given: untouched
    cleared = oo.webhooks.patch(created.id, description=None)
    assert cleared.description is None and cleared.event_types == ["run.canceled"]
    assert _hook_row(data_dir, created.id) == {
        "url": OTHER,
        "event_types": '["run.canceled"]',
        "description": None,
    }
    assert oo.webhooks.patch(created.id, enabled=False).enabled is False

    rotated = oo.webhooks.rotate_secret(created.id)
    assert rotated.secret.startswith("whsec_") and rotated.secret != created.secret
    assert rotated.id == created.id and rotated.url == OTHER

    assert oo.webhooks.delete(created.id) is None
    assert rows(data_dir, "SELECT id FROM webhooks") == []
    with pytest.raises(NotFound):
        oo.webhooks.get(created.id)
    with pytest.raises(NotFound):
        oo.webhooks.delete(created.id)
    with pytest.raises(NotFound):
        oo.webhooks.rotate_secret(created.id)
    assert oo.webhooks.list().items == []


def test_private_targets_and_bad_fields_are_invalid_input(oo: Client, data_dir: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        oo.webhooks.create("http://127.0.0.1:9/hook")
    assert refused.value.status == 422 and set(refused.value.fields) == {"url"}
    with pytest.raises(InvalidInput) as unknown:
        oo.webhooks.create(PUBLIC, event_types=["run.exploded"])
    assert "event_types" in unknown.value.fields
    hook = oo.webhooks.create(PUBLIC)
    with pytest.raises(InvalidInput) as moved:
        oo.webhooks.patch(hook.id, url="http://10.1.2.3/")
    assert set(moved.value.fields) == {"url"}
    assert rows(data_dir, "SELECT url FROM webhooks") == [{"url": PUBLIC}]


def _logged(data_dir: Path, hook_id: int) -> list[dict[str, object]]:
    return rows(
        data_dir,
        "SELECT id, event_id, status FROM deliveries WHERE webhook_id = ? ORDER BY id DESC",
        hook_id,
    )


def test_deliveries_and_redeliver_of_a_canceled_run(oo: Client, data_dir: Path) -> None:
    hook = oo.webhooks.create(PUBLIC, event_types=["run.canceled"])
    assert oo.webhooks.deliveries(hook.id).items == []
    oo.accounts.create("jane", li_at="cookie-value")
    run = oo.runs.create("jane", VisitInput(profile_url=PROFILE))
    oo.runs.cancel(run.run_id)
    [event] = oo.events.list(types=["run.canceled"]).items
    # No worker here: a worker's deliverer turns events into deliveries (and sends them),
    # so the log holds what the database holds: nothing yet, then what redeliver queues.
    page = oo.webhooks.deliveries(hook.id)
    assert [d.id for d in page.items] == [r["id"] for r in _logged(data_dir, hook.id)] == []

    again = oo.events.redeliver(event.id)
    assert isinstance(again, Redelivered) and again.event_id == event.id
    [queued] = again.deliveries
    assert (queued.webhook_id, queued.event_id, queued.event_type, queued.run_id) == (
        hook.id,
        event.id,
        "run.canceled",
        run.run_id,
    )
    assert (queued.status, queued.attempts, queued.url) == ("pending", 0, PUBLIC)
    one = oo.events.redeliver(event.id, webhook_id=hook.id)
    assert [d.webhook_id for d in one.deliveries] == [hook.id]
    assert _logged(data_dir, hook.id) == [
        {"id": one.deliveries[0].id, "event_id": event.id, "status": "pending"},
        {"id": queued.id, "event_id": event.id, "status": "pending"},
    ]

    newest = oo.webhooks.deliveries(hook.id, limit=1)
    assert [d.id for d in newest.items] == [one.deliveries[0].id]
    assert newest.next_cursor is not None
    older = oo.webhooks.deliveries(hook.id, before=newest.next_cursor, limit=2)
    assert ([d.id for d in older.items], older.next_cursor) == ([queued.id], None)
    assert oo.webhooks.deliveries(hook.id, status="delivered").items == []

    with pytest.raises(NotFound):
        oo.events.redeliver(event.id + 1000)
    with pytest.raises(NotFound):
        oo.events.redeliver(event.id, webhook_id=hook.id + 1000)
    with pytest.raises(NotFound):
        oo.webhooks.deliveries(hook.id + 1000)
    oo.webhooks.patch(hook.id, enabled=False)
    with pytest.raises(Conflict):  # disabled, and nothing else subscribes
        oo.events.redeliver(event.id)


def test_callback_secret_get_and_rotate(oo: Client) -> None:
    first = oo.webhooks.callback_secret()
    assert first.secret.startswith("whsec_")
    assert first.secret not in repr(first)
    assert oo.webhooks.callback_secret().secret == first.secret  # stored, not regenerated
    rotated = oo.webhooks.rotate_callback_secret()
    assert rotated.secret.startswith("whsec_") and rotated.secret != first.secret
    assert oo.webhooks.callback_secret().secret == rotated.secret


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1."""
    with Receiver() as found:
        yield found


def test_a_completed_run_is_delivered_signed_and_redelivered(
    worker: Client, receiver: Receiver
) -> None:
    oo = worker
    oo.accounts.create("jane", li_at="cookie-value")
    oo.accounts.login("jane", wait=20).run.raise_for_error()  # before the hook: not sent
    hook = oo.webhooks.create(receiver.url + "/oo", event_types=["run.completed"])
    run = oo.runs.create("jane", VisitInput(profile_url=PROFILE))
    oo.wait_for(run, timeout=30).raise_for_error()

    [first] = receiver.wait_for(1)
    payload = first.verify(hook.secret)
    assert payload["type"] == "run.completed" and payload["data"]["run_id"] == run.run_id
    [delivered] = wait_until(lambda: oo.webhooks.deliveries(hook.id, status="delivered").items)
    assert (delivered.event_id, delivered.last_status, delivered.attempts) == (
        payload["id"],
        200,
        1,
    )

    rotated = oo.webhooks.rotate_secret(hook.id)
    again = oo.events.redeliver(payload["id"], webhook_id=hook.id)
    assert [d.status for d in again.deliveries] == ["pending"]
    second = receiver.wait_for(2)[1]
    assert second.headers["webhook-id"] == first.headers["webhook-id"]  # same event, dedupable
    assert second.verify(rotated.secret) == payload
    with pytest.raises(WebhookVerificationError):
        second.verify(hook.secret)  # the old secret no longer signs


async def test_async_webhooks_and_redeliver(api: httpx.Client, data_dir: Path) -> None:
    async with AsyncClient(str(api.base_url), API_KEY) as oo:
        hook = await oo.webhooks.create(PUBLIC, event_types=["run.canceled"], description="crm")
        assert [h.id for h in (await oo.webhooks.list()).items] == [hook.id]
        patched = await oo.webhooks.patch(hook.id, event_types=None)
        assert patched.event_types is None and patched.description == "crm"
        rotated = await oo.webhooks.rotate_secret(hook.id)
        assert rotated.secret != hook.secret and rotated.secret.startswith("whsec_")

        await oo.accounts.create("jane", li_at="cookie-value")
        run = await oo.runs.create("jane", VisitInput(profile_url=PROFILE))
        await oo.runs.cancel(run.run_id)
        [event] = (await oo.events.list(types=["run.canceled"])).items
        again = await oo.events.redeliver(event.id)
        assert [(d.webhook_id, d.run_id) for d in again.deliveries] == [(hook.id, run.run_id)]
        [pending] = (await oo.webhooks.deliveries(hook.id, status="pending")).items
        assert pending.id == again.deliveries[0].id
        assert rows(data_dir, "SELECT id, status FROM deliveries") == [
            {"id": pending.id, "status": "pending"}
        ]
        with pytest.raises(NotFound):
            await oo.events.redeliver(event.id + 1000)

        secret = await oo.webhooks.callback_secret()
        assert (await oo.webhooks.rotate_callback_secret()).secret != secret.secret
        with pytest.raises(InvalidInput) as refused:
            await oo.webhooks.create("http://localhost/hook")
        assert "url" in refused.value.fields
        await oo.webhooks.delete(hook.id)
        with pytest.raises(NotFound):
            await oo.webhooks.get(hook.id)
