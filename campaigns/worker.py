"""The campaign worker process: the Temporal worker (workflows + activities) and the event
pump, until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import httpx
from loguru import logger

from campaigns.activities import CampaignActivities
from campaigns.pump import CursorFile, EventPump
from campaigns.settings import CampaignSettings
from campaigns.temporal import build_worker, connect
from openoutreach_client import AsyncClient

WEBHOOK_TIMEOUT_S = 15.0


async def run_worker(settings: CampaignSettings, *, pump: bool = True) -> None:
    """Run the worker (and, unless `pump` is False, the event pump) until a stop signal."""
    api_key = settings.require_api_key()
    temporal = await connect(settings.temporal_address, settings.namespace)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with (
        AsyncClient(settings.server_url, api_key) as server,
        httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_S) as http,
    ):
        activities = CampaignActivities(server, http)
        worker = build_worker(
            temporal,
            settings.task_queue,
            activities.all(),
            max_activities=settings.max_activities,
            max_cached_workflows=settings.max_cached_workflows,
        )
        tasks = [asyncio.create_task(worker.run(), name="temporal-worker")]
        if pump:
            cursor = CursorFile(settings.state_dir / "event-cursor")
            events = EventPump.for_server(temporal, server, cursor, settings.event_wait_s)
            tasks.append(asyncio.create_task(events.run(), name="event-pump"))
        logger.info(
            "campaign worker on {} (namespace {}, queue {}), server {}{}",
            settings.temporal_address,
            settings.namespace,
            settings.task_queue,
            settings.server_url,
            ", event pump on" if pump else "",
        )
        stopped = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([stopped, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not stopped and task.exception() is not None:
                logger.error("{} failed: {}", task.get_name(), task.exception())
        logger.info("campaign worker stopping")
        for task in tasks[1:]:
            task.cancel()
        await worker.shutdown()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        stopped.cancel()
