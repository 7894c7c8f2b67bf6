"""Prometheus metrics, read from the database at every scrape (store/sql/metrics.py).

Runs are executed by workers that may sit on other hosts, and several processes share the
database: a figure kept in this process's memory would count only what this process saw. So
a custom collector asks the database each time, on a private registry (nothing of the
process-global default registry is exposed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import get_args

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry
from prometheus_client.utils import floatToGoString

from linkedin.touchpoints.models import TOUCHPOINT_TYPES
from openoutreach_server.account_status import Status
from openoutreach_server.clock import Clock
from openoutreach_server.config import Settings
from openoutreach_server.store import Store
from openoutreach_server.store.records import LOGIN_TYPE
from openoutreach_server.store.sql.metrics import Histogram

PREFIX = "openoutreach_"
RUN_TYPES: tuple[str, ...] = (*TOUCHPOINT_TYPES, LOGIN_TYPE)
FINAL_STATUSES = ("completed", "failed", "interrupted", "canceled")
DELIVERY_OUTCOMES = ("delivered", "failed", "canceled")
# A browser action takes seconds to minutes (OO_RUN_TIMEOUT_S is 300 s by default).
DURATION_BUCKETS: tuple[float, ...] = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600)
# Runs wait for an idle account, pacing gaps (45-180 s), caps, working hours, cool-downs.
WAIT_BUCKETS: tuple[float, ...] = (
    1,
    5,
    15,
    60,
    180,
    600,
    1800,
    3600,
    3 * 3600,
    8 * 3600,
    24 * 3600,
)


class StoreCollector(Collector):
    """Yields every `openoutreach_*` family from one database snapshot."""

    def __init__(self, store: Store, settings: Settings, clock: Clock) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock

    def collect(self) -> Iterable[Metric]:
        """Read the database once and describe what it holds."""
        snap = self.store.metrics.snapshot(
            self.clock.now(), self.settings.worker_stale_s, DURATION_BUCKETS, WAIT_BUCKETS
        )
        types = sorted({*RUN_TYPES, *(t for t, _ in snap.runs)})

        runs = CounterMetricFamily(
            PREFIX + "runs",
            "Runs that reached a final status, by touchpoint type and status.",
            labels=["type", "status"],
        )
        pending = GaugeMetricFamily(
            PREFIX + "runs_pending", "Runs waiting to start, by type.", labels=["type"]
        )
        running = GaugeMetricFamily(
            PREFIX + "runs_running", "Runs being executed now, by type.", labels=["type"]
        )
        for type_ in types:
            for status in FINAL_STATUSES:
                runs.add_metric([type_, status], snap.runs.get((type_, status), 0))
            pending.add_metric([type_], snap.runs.get((type_, "pending"), 0))
            running.add_metric([type_], snap.runs.get((type_, "running"), 0))
        yield from (runs, pending, running)

        yield _histogram(
            PREFIX + "run_duration_seconds",
            "Time from start to end of finished runs (last attempt), by type.",
            types,
            DURATION_BUCKETS,
            snap.durations,
        )
        yield _histogram(
            PREFIX + "run_queue_wait_seconds",
            "Time finished runs waited from when they were due (created or not_before, or"
            " their retry time) to their start, by type.",
            types,
            WAIT_BUCKETS,
            snap.waits,
        )

        accounts = GaugeMetricFamily(PREFIX + "accounts", "Accounts by status.", labels=["status"])
        for status in sorted({*get_args(Status), *snap.accounts}):
            accounts.add_metric([status], snap.accounts.get(status, 0))
        yield accounts

        workers = GaugeMetricFamily(
            PREFIX + "workers", "Live worker processes, by host.", labels=["host"]
        )
        sessions = GaugeMetricFamily(
            PREFIX + "browser_sessions",
            "Open browser sessions (account contexts) of live workers, by host.",
            labels=["host"],
        )
        memory = GaugeMetricFamily(
            PREFIX + "browser_memory_bytes",
            "Resident memory of live workers' Chromium processes (RSS, summed), by host.",
            labels=["host"],
        )
        for host, load in sorted(snap.hosts.items()):
            workers.add_metric([host], load.workers)
            sessions.add_metric([host], load.open_sessions)
            memory.add_metric([host], load.memory_bytes)
        yield from (workers, sessions, memory)

        deliveries = CounterMetricFamily(
            PREFIX + "webhook_deliveries",
            "Webhook and callback deliveries that reached an outcome.",
            labels=["outcome"],
        )
        for outcome in DELIVERY_OUTCOMES:
            deliveries.add_metric([outcome], snap.deliveries.get(outcome, 0))
        yield deliveries
        yield GaugeMetricFamily(
            PREFIX + "events_undelivered",
            "Deliveries still pending, plus events not yet fanned out that will be delivered.",
            value=snap.events_undelivered,
        )

        schedules = GaugeMetricFamily(
            PREFIX + "schedules", "Schedules, by whether they are active.", labels=["active"]
        )
        for active in (True, False):
            schedules.add_metric([str(active).lower()], snap.schedules.get(active, 0))
        yield schedules


def _histogram(
    name: str,
    documentation: str,
    types: Sequence[str],
    bounds: Sequence[float],
    observed: dict[str, Histogram],
) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, documentation, labels=["type"])
    for type_ in types:
        found = observed.get(type_) or Histogram(tuple(0 for _ in bounds), 0, 0.0)
        buckets = [
            (floatToGoString(bound), count)
            for bound, count in zip(bounds, found.buckets, strict=True)
        ]
        buckets.append(("+Inf", found.count))
        family.add_metric([type_], buckets, found.total)
    return family


def metrics_registry(store: Store, settings: Settings, clock: Clock) -> CollectorRegistry:
    """A private registry holding only the database collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, settings, clock))
    return registry
