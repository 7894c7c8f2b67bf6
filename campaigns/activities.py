"""The activities: every touch of the world a campaign makes, and the only place that does.

`run_touchpoint` queues one run on the server through `openoutreach_client` and waits for
it, heartbeating. The step's runs are keyed `idempotency_key(step key, n)` for n = 0, 1, 2:
a retried activity (another attempt after a worker crash, a timeout) walks the same keys,
so it re-attaches to the run already queued and never queues a second one; only a run that
*failed* with a transient code moves the step on to its next run, at most `MAX_RUNS`.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from loguru import logger
from temporalio import activity
from temporalio.exceptions import ApplicationError

from campaigns.models import AlertCall, RunFailure, TouchpointCall, TouchpointDone, WebhookCall
from campaigns.outcomes import MAX_RUNS, Disposition, classify
from openoutreach_client import (
    AsyncClient,
    Conflict,
    InvalidInput,
    NotFound,
    Run,
    ServerError,
    WaitTimeout,
    idempotency_key,
)

MAX_POLL_S = 20.0
OUTAGE_BACKOFF_S = (1.0, 2.0, 5.0, 10.0)


def _status_code(run: Run) -> str:
    if run.error_code:
        return str(run.error_code)
    return {"canceled": "CANCELED", "interrupted": "INTERRUPTED"}.get(run.status, "INTERNAL_ERROR")


def _raise(failure: RunFailure, *, retryable: bool = False) -> None:
    raise ApplicationError(
        f"{failure.code}: {failure.message}".strip(": "),
        failure.model_dump(mode="json"),
        type=f"Run{failure.disposition.title()}",
        non_retryable=not retryable,
    )


class CampaignActivities:
    """The activities, bound to one server client and one HTTP client for webhooks."""

    def __init__(self, server: AsyncClient, http: httpx.AsyncClient) -> None:
        self.server = server
        self.http = http

    @activity.defn(name="run_touchpoint")
    async def run_touchpoint(self, call: TouchpointCall) -> TouchpointDone:
        """Queue the step's touchpoint (or find its run again) and return the completed run;
        raise a non-retryable error for a permanent or account-level failure, a retryable
        one after a transient failure."""
        kind = str(call.touchpoint.get("type"))
        last: RunFailure | None = None
        for n in range(MAX_RUNS):
            run = await self._queue(call, n)
            fresh = not run.done
            if fresh:
                run = await self._wait(run)
            if run.status == "completed":
                return TouchpointDone(run_id=run.run_id, result=run.result or {}, runs=n + 1)
            code = _status_code(run)
            last = RunFailure(
                code=code,
                disposition=classify(code, kind),
                message=run.error or "",
                run_id=run.run_id,
                handle=call.handle,
            )
            if last.disposition != Disposition.TRANSIENT:
                _raise(last)
            if fresh and n + 1 < MAX_RUNS:
                logger.info("run {} failed {}: the next attempt queues another", run.run_id, code)
                _raise(last, retryable=True)  # Temporal backs off, then walks on to run n+1
        assert last is not None
        _raise(last.model_copy(update={"message": f"{last.message} ({MAX_RUNS} runs)"}))
        raise AssertionError  # unreachable: _raise raised

    async def _queue(self, call: TouchpointCall, n: int) -> Run:
        try:
            return await self.server.runs.create(
                call.handle,
                call.touchpoint,
                tags=list(call.tags),
                on_quota="wait",
                idempotency_key=idempotency_key(call.key, n),
            )
        except InvalidInput as error:
            detail = "; ".join(f"{k}: {v}" for k, v in error.fields.items()) or error.detail
            if "handle" in error.fields:  # no such account on the server
                _raise(
                    RunFailure(code="UNKNOWN_ACCOUNT", disposition=Disposition.END, message=detail)
                )
            _raise(
                RunFailure(code="INVALID_INPUT", disposition=Disposition.PERMANENT, message=detail)
            )
        except NotFound as error:
            _raise(
                RunFailure(
                    code="UNKNOWN_ACCOUNT", disposition=Disposition.END, message=error.detail
                )
            )
        except Conflict as error:
            # The same key with another body: the step's text changed under a running lead.
            _raise(
                RunFailure(
                    code="IDEMPOTENCY_CONFLICT",
                    disposition=Disposition.PERMANENT,
                    message=error.detail,
                )
            )
        raise AssertionError  # unreachable

    async def _wait(self, run: Run) -> Run:
        info = activity.info()
        beat = info.heartbeat_timeout or timedelta(seconds=60)
        poll = max(0.5, min(MAX_POLL_S, beat.total_seconds() / 3))
        outages = 0
        try:
            while not run.done:
                activity.heartbeat(run.run_id)
                try:
                    run = await self.server.wait_for(run, timeout=poll)
                    outages = 0
                except WaitTimeout as timeout:
                    run = timeout.run
                    outages = 0
                except (httpx.TransportError, ServerError) as error:
                    # The server restarts or is unreachable: keep waiting, heartbeating.
                    delay = OUTAGE_BACKOFF_S[min(outages, len(OUTAGE_BACKOFF_S) - 1)]
                    outages += 1
                    logger.warning(
                        "waiting for run {}: {}; again in {} s", run.run_id, error, delay
                    )
                    await asyncio.sleep(min(delay, poll))
        except asyncio.CancelledError:
            await self._cancel(run.run_id)
            raise
        return run

    async def _cancel(self, run_id: int) -> None:
        try:
            await self.server.runs.cancel(run_id)
            logger.info("run {} canceled with its lead", run_id)
        except Conflict:
            pass  # it started: a running action is never cut off
        except Exception as error:  # best effort: the lead is stopping anyway
            logger.warning("run {} not canceled: {}", run_id, error)

    @activity.defn(name="notify_webhook")
    async def notify_webhook(self, call: WebhookCall) -> None:
        """POST the payload; `webhook-id` lets the receiver drop a redelivery."""
        await self._post(call.url, call.payload, call.key)

    @activity.defn(name="raise_alert")
    async def raise_alert(self, call: AlertCall) -> None:
        """Log an account alert and POST it to the given URLs."""
        alert = call.alert
        logger.error(
            "ALERT account {} blocked ({}): its leads in campaign {} hold until it is resumed"
            " (log in / solve the checkpoint, then `campaign resume`): {}",
            alert.handle,
            alert.code,
            alert.campaign_id,
            alert.message,
        )
        payload = {"type": "campaign.account_blocked", "data": alert.model_dump(mode="json")}
        key = idempotency_key("alert", alert.campaign_id or "", alert.handle, alert.run_id or "")
        for url in call.urls:
            await self._post(url, payload, key)

    async def _post(self, url: str, payload: dict[str, Any], key: str) -> None:
        response = await self.http.post(url, json=payload, headers={"webhook-id": key})
        if response.is_success:
            return
        message = f"POST {url}: HTTP {response.status_code}"
        # A client error other than a timeout or a throttle will not fix itself.
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        raise ApplicationError(message, type="WebhookFailed", non_retryable=permanent)

    def all(self) -> list[Any]:
        """Every activity, for the worker."""
        return [self.run_touchpoint, self.notify_webhook, self.raise_alert]
