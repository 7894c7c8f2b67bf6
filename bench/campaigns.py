"""Campaigns on Temporal at scale: 1,000 and 10,000 lead workflows against a no-op server.

For each size N, a fresh Temporal dev server (`temporal server start-dev`, in memory) and a
real openoutreach-server whose touchpoints are no-ops (bench/_noop_server.py: the real API
and executor, `run_fn` replaced) on a temp data dir with 50 active accounts. The campaign
worker runs as its own process (`openoutreach-server campaign-worker --no-pump`), sampled for
memory (RSS and PSS, psutil) every 0.5 s. One campaign of N leads (spread over the 50
accounts, `max_concurrent` = N, stagger 0) walks visit -> connect -> (not accepted by 2 s)
-> withdraw: three runs per lead on the server.

Figures: leads started per second (campaign start -> no lead pending), leads completed per
second, the orchestrator's continue-as-new count, workflow task latency (scheduled ->
completed, from the histories of 200 sampled lead workflows and of the orchestrator's last
run), and the worker's peak memory.

    .venv/bin/python -m bench.campaigns                 # 1,000 then 10,000 leads, 3 steps
    BENCH_CAMPAIGN_SIZES=1000 .venv/bin/python -m bench.campaigns
    BENCH_CAMPAIGN_SIZES=10000 BENCH_CAMPAIGN_STEPS=1 .venv/bin/python -m bench.campaigns
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil
from temporalio.service import RPCError

from bench.common import (
    API_KEY,
    ROOT,
    ServerProcess,
    create_schema,
    free_port,
    insert_accounts,
    latency_summary_ms,
    server_env,
    temp_data_dir,
    write_result,
)
from campaigns import service
from campaigns.devserver import TemporalDevServer, _die_with_parent
from campaigns.flow import parse_flow
from campaigns.leads import Lead, pack
from campaigns.models import CampaignOptions, CampaignStatus, lead_workflow_id
from campaigns.temporal import connect
from campaigns.workflows import CampaignOrchestratorWorkflow

ACCOUNTS = 50
SAMPLED_HISTORIES = 200
ONE_STEP = parse_flow({"nodes": [{"id": "visit", "data": {"type": "profile_visit"}}], "edges": []})
FLOW = parse_flow(
    {
        "nodes": [
            {"id": "visit", "data": {"type": "profile_visit", "config": {}}},
            {"id": "invite",
             "data": {"type": "send_invite", "config": {"message": "Hi {first_name}"}}},
            {"id": "thanks", "data": {"type": "send_followup", "config": {"message": "Thanks!"}}},
            {"id": "withdraw", "data": {"type": "withdraw_request", "config": {}}},
        ],
        "edges": [
            {"source": "visit", "target": "invite", "data": {"delay": "0"}},
            {"source": "invite", "target": "thanks", "type": "conditional",
             "data": {"isPositive": True}},
            {"source": "invite", "target": "withdraw", "type": "conditional",
             "data": {"isPositive": False, "delay": "2s"}},
        ],
    }
)  # fmt: skip


class MemorySampler:
    """Peak RSS and PSS of a process, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak_rss = self.peak_pss = 0
        self.last_rss = self.last_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            try:
                info = self.process.memory_full_info()
            except psutil.Error:
                return
            self.last_rss, self.last_pss = info.rss, getattr(info, "pss", 0)
            self.peak_rss = max(self.peak_rss, self.last_rss)
            self.peak_pss = max(self.peak_pss, self.last_pss)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def leads(n: int) -> list[Lead]:
    return [
        Lead(
            profile_url=f"https://www.linkedin.com/in/bench-lead-{i:05d}/",
            account=f"acct-{i % ACCOUNTS:02d}",
            fields={"first_name": f"Lead{i}"},
        )
        for i in range(n)
    ]


async def task_latencies(client: Any, workflow_id: str, run_id: str | None = None) -> list[float]:
    """Seconds from each workflow task's scheduling to its completion."""
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    scheduled: dict[int, float] = {}
    out: list[float] = []
    async for event in handle.fetch_history_events():
        at = event.event_time.seconds + event.event_time.nanos / 1e9
        if event.event_type == 5:  # WORKFLOW_TASK_SCHEDULED
            scheduled[event.event_id] = at
        elif event.event_type == 7:  # WORKFLOW_TASK_COMPLETED
            first = event.workflow_task_completed_event_attributes.scheduled_event_id
            if first in scheduled:
                out.append(at - scheduled[first])
    return out


async def run_size(n: int, tmp: Path, steps: int) -> dict[str, Any]:
    flow = FLOW if steps == 3 else ONE_STEP
    port = free_port()
    with (
        TemporalDevServer(log_file=tmp / "temporal.log") as temporal_server,
        temp_data_dir(f"campaigns-{n}") as data_dir,
    ):
        create_schema(data_dir)
        insert_accounts(data_dir, [f"acct-{i:02d}" for i in range(ACCOUNTS)])
        env = server_env(data_dir, OO_MAX_SESSIONS=str(ACCOUNTS))
        argv = [sys.executable, "-m", "bench._noop_server", str(port)]
        with ServerProcess(argv, env, port, tmp / f"server-{n}.log") as server:
            queue = f"bench-{n}"
            worker_env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("OO_")},
                "OO_CAMPAIGN_TEMPORAL_ADDRESS": temporal_server.address,
                "OO_CAMPAIGN_SERVER_URL": server.url,
                "OO_CAMPAIGN_API_KEY": API_KEY,
                "OO_CAMPAIGN_TASK_QUEUE": queue,
                "OO_CAMPAIGN_STATE_DIR": str(tmp / "state"),
                "OO_CAMPAIGN_MAX_ACTIVITIES": str(max(1000, n)),
                "PYTHONPATH": str(ROOT),
            }
            with (tmp / f"worker-{n}.log").open("wb") as log:
                worker = subprocess.Popen(  # noqa: ASYNC220 (once, before measuring)
                    [sys.executable, "-m", "openoutreach_server", "campaign-worker", "--no-pump"],
                    env=worker_env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_die_with_parent,
                )
            try:
                client = await connect(temporal_server.address)
                the_leads = leads(n)
                options = CampaignOptions(max_concurrent=n, stagger=0)  # type: ignore[arg-type]
                with MemorySampler(worker.pid) as memory:
                    started_at = time.monotonic()
                    await service.start_campaign(
                        client,
                        queue,
                        campaign_id=f"bench{n}",
                        flow=flow,
                        leads=the_leads,
                        account="acct-00",
                        options=options,
                    )
                    handle = service.campaign(client, f"bench{n}")
                    all_started = None
                    while all_started is None:
                        try:
                            status = await handle.query(CampaignOrchestratorWorkflow.status)
                        except RPCError:  # the worker is too busy to answer in time
                            continue
                        if status.pending == 0:
                            all_started = time.monotonic() - started_at
                        else:
                            await asyncio.sleep(0.2)
                    final: CampaignStatus = await handle.result()
                    done_s = time.monotonic() - started_at
                    await asyncio.sleep(1.0)
                sample = random.Random(7).sample(the_leads, min(SAMPLED_HISTORIES, n))
                lead_tasks: list[float] = []
                for lead in sample:
                    lead_tasks += await task_latencies(
                        client, lead_workflow_id(f"bench{n}", lead.key)
                    )
                orchestrator_tasks = await task_latencies(client, f"campaign-bench{n}")
            finally:
                worker.terminate()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
    assert final.outcomes == {"completed": n}, final.outcomes
    mib = 1024 * 1024
    result = {
        "leads": n,
        "leads_started_per_s": round(n / all_started, 1),
        "all_started_s": round(all_started, 1),
        "all_completed_s": round(done_s, 1),
        "leads_completed_per_s": round(n / done_s, 1),
        "steps": "visit -> connect -> (2 s) -> withdraw" if steps == 3 else "visit",
        "server_runs": steps * n,
        "orchestrator_continued_as_new": final.continued,
        "packed_leads_bytes": len(pack(the_leads)),
        "lead_workflow_task_latency": latency_summary_ms(lead_tasks),
        "orchestrator_last_run_task_latency": latency_summary_ms(orchestrator_tasks),
        "worker_peak_rss_mib": round(memory.peak_rss / mib, 1),
        "worker_peak_pss_mib": round(memory.peak_pss / mib, 1),
        "worker_end_rss_mib": round(memory.last_rss / mib, 1),
    }
    print(result)
    return result


async def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_CAMPAIGN_SIZES", "1000,10000").split(",")]
    steps = int(os.environ.get("BENCH_CAMPAIGN_STEPS", "3"))
    import tempfile

    results = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="oo-bench-campaign-") as tmp:
            results.append(await run_size(n, Path(tmp), steps))
    write_result(f"campaigns-{'-'.join(map(str, sizes))}-{steps}step", {"sizes": results})


if __name__ == "__main__":
    asyncio.run(main())
