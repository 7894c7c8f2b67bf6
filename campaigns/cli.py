"""The `openoutreach-server campaign ...` and `campaign-worker` commands, as plain
functions (the server's CLI imports them lazily). Each returns the exit code."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from campaigns import service
from campaigns.delays import format_delay, parse_delay
from campaigns.flow import FlowError, parse_flow
from campaigns.leads import read_leads
from campaigns.models import CampaignOptions, CampaignStatus
from campaigns.settings import CampaignSettings
from campaigns.temporal import connect

Echo = Callable[..., Any]


def settings_from(**overrides: Any) -> CampaignSettings:
    """Environment (`OO_CAMPAIGN_*`) first, then the flags that were given."""
    return CampaignSettings(**{k: v for k, v in overrides.items() if v is not None})


def validate(definition: Path, leads: Path | None, echo: Echo) -> int:
    """Check a flow (and the leads' columns against its texts) without starting anything."""
    try:
        flow = parse_flow(definition.read_bytes())
    except FlowError as error:
        echo(str(error), err=True)
        return 1
    except OSError as error:
        echo(f"{definition}: {error}", err=True)
        return 2
    problems: list[str] = []
    count = 0
    if leads is not None:
        lead_file = read_leads(leads)
        problems = lead_file.errors + flow.check_fields(lead_file.columns)
        count = len(lead_file.leads)
    if problems:
        echo("\n".join(f"- {p}" for p in problems), err=True)
        return 1
    echo(
        f"flow ok: {len(flow.nodes)} steps from {flow.start}"
        + (f"; {count} leads" if leads else "")
    )
    return 0


def start(
    settings: CampaignSettings,
    definition: Path,
    leads_path: Path,
    account: str,
    echo: Echo,
    *,
    campaign_id: str | None = None,
    max_concurrent: int | None = None,
    stagger: str | None = None,
    heartbeat: str | None = None,
) -> int:
    """Check the flow and the leads, then start the campaign's orchestrator."""
    try:
        flow = parse_flow(definition.read_bytes())
    except FlowError as error:
        echo(str(error), err=True)
        return 1
    lead_file = read_leads(leads_path)
    problems = lead_file.errors + flow.check_fields(lead_file.columns)
    if not lead_file.leads and not problems:
        problems.append(f"{leads_path}: no leads")
    if problems:
        echo("cannot start:\n" + "\n".join(f"- {p}" for p in problems), err=True)
        return 1
    for key in lead_file.duplicates:
        echo(f"skipping a second row for {key}", err=True)
    overrides: dict[str, Any] = {"alert_url": settings.alert_url}
    try:
        if max_concurrent is not None:
            overrides["max_concurrent"] = max_concurrent
        if stagger is not None:
            overrides["stagger"] = parse_delay(stagger)
        if heartbeat is not None:
            overrides["heartbeat"] = parse_delay(heartbeat)
        options = CampaignOptions(**overrides)
        cid = service.check_campaign_id(
            campaign_id or service.default_campaign_id(flow, lead_file.leads, account)
        )
    except ValueError as error:
        echo(str(error), err=True)
        return 1

    async def go() -> service.Started:
        client = await connect(settings.temporal_address, settings.namespace)
        return await service.start_campaign(
            client,
            settings.task_queue,
            campaign_id=cid,
            flow=flow,
            leads=lead_file.leads,
            account=account,
            options=options,
        )

    try:
        started = asyncio.run(go())
    except WorkflowAlreadyStartedError:
        echo(f"campaign {cid} already exists (ids are never reused)", err=True)
        return 1
    except RuntimeError as error:  # Temporal unreachable
        echo(f"cannot reach Temporal at {settings.temporal_address}: {error}", err=True)
        return 2
    echo(
        f"campaign {started.campaign_id} started: {started.leads} leads on {account},"
        f" at most {options.max_concurrent} at once, one every {format_delay(options.stagger)}"
    )
    return 0


def status(settings: CampaignSettings, campaign_id: str, echo: Echo, *, as_json: bool) -> int:
    """Print the campaign's counts."""

    async def go() -> CampaignStatus:
        client = await connect(settings.temporal_address, settings.namespace)
        return await service.status(client, campaign_id)

    try:
        current = asyncio.run(go())
    except RPCError as error:
        echo(f"campaign {campaign_id}: {error}", err=True)
        return 1
    if as_json:
        echo(json.dumps(current.model_dump(mode="json"), indent=2))
    else:
        echo(render_status(current))
    return 0


def steer(settings: CampaignSettings, campaign_id: str, what: str, echo: Echo) -> int:
    """Pause, resume or stop a campaign."""

    async def go() -> None:
        client = await connect(settings.temporal_address, settings.namespace)
        await service.signal(client, campaign_id, what)

    try:
        asyncio.run(go())
    except RPCError as error:
        echo(f"campaign {campaign_id}: {error}", err=True)
        return 1
    echo(f"campaign {campaign_id}: {what} sent")
    return 0


def worker(settings: CampaignSettings, echo: Echo, *, pump: bool = True) -> int:
    """Run the campaign worker and the event pump until SIGTERM / SIGINT."""
    from campaigns.worker import run_worker

    try:
        asyncio.run(run_worker(settings, pump=pump))
    except ValueError as error:
        echo(str(error), err=True)
        return 2
    return 0


def render_status(status: CampaignStatus) -> str:
    """The status as a few readable lines."""
    lines = [
        f"campaign {status.campaign_id}: {status.state}",
        f"  leads: {status.total} total, {status.pending} pending, {status.running} running,"
        f" {status.finished} finished"
        + (f", {status.duplicates} duplicates" if status.duplicates else ""),
    ]
    if status.outcomes:
        lines.append(
            "  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(status.outcomes.items()))
        )
    for node, results in status.nodes.items():
        at = status.at_node.get(node)
        counts = ", ".join(f"{k} {v}" for k, v in sorted(results.items()))
        lines.append(f"  {node}: {counts}" + (f" ({at} at this step now)" if at else ""))
    for handle, alert in status.paused_accounts.items():
        lines.append(f"  account {handle} held: {alert.code} {alert.message}".rstrip())
    return "\n".join(lines)
