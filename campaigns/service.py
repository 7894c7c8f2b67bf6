"""Starting and steering campaigns through a Temporal client: what the CLI (and a sales
backend) calls."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from campaigns.flow import Flow
from campaigns.leads import Lead, pack
from campaigns.models import CampaignInput, CampaignOptions, CampaignStatus, campaign_workflow_id
from campaigns.pump import CAMPAIGN_MEMO
from campaigns.workflows import CampaignOrchestratorWorkflow

_CAMPAIGN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class CampaignError(ValueError):
    """A campaign that cannot start as asked."""


def check_campaign_id(campaign_id: str) -> str:
    """A campaign id fit for workflow ids: letters, digits, `_ . -`, no `-lead-`."""
    if not _CAMPAIGN_ID.match(campaign_id) or "-lead-" in campaign_id:
        raise CampaignError(
            f"campaign id {campaign_id!r}: use 1-64 letters, digits, '_', '.', '-'"
            " (starting with a letter or digit, without '-lead-')"
        )
    return campaign_id


def default_campaign_id(flow: Flow, leads: list[Lead], account: str) -> str:
    """A stable id from what the campaign is: starting the same campaign twice is refused."""
    digest = hashlib.sha256()
    digest.update(flow.model_dump_json().encode())
    digest.update(account.encode())
    for lead in leads:
        digest.update(lead.model_dump_json().encode())
    return f"c{digest.hexdigest()[:10]}"


@dataclass(frozen=True)
class Started:
    """A started campaign."""

    campaign_id: str
    workflow_id: str
    leads: int


async def start_campaign(
    client: Client,
    task_queue: str,
    *,
    campaign_id: str,
    flow: Flow,
    leads: list[Lead],
    account: str,
    options: CampaignOptions | None = None,
) -> Started:
    """Start the orchestrator; a campaign id already used (running or ended) is refused
    (`temporalio.exceptions.WorkflowAlreadyStartedError`)."""
    check_campaign_id(campaign_id)
    accounts = sorted({account, *(lead.account for lead in leads if lead.account)})
    inp = CampaignInput(
        campaign_id=campaign_id,
        account=account,
        flow=flow,
        leads=pack(leads),
        options=options or CampaignOptions(),
    )
    workflow_id = campaign_workflow_id(campaign_id)
    await client.start_workflow(
        CampaignOrchestratorWorkflow.run,
        inp,
        id=workflow_id,
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        memo={"campaign_id": campaign_id, CAMPAIGN_MEMO: accounts},
    )
    return Started(campaign_id, workflow_id, len(leads))


def campaign(client: Client, campaign_id: str) -> WorkflowHandle[Any, CampaignStatus]:
    """The orchestrator of a campaign (its latest run)."""
    return client.get_workflow_handle_for(
        CampaignOrchestratorWorkflow.run, campaign_workflow_id(campaign_id)
    )


async def status(client: Client, campaign_id: str) -> CampaignStatus:
    """The campaign's counts (also once it has ended: its final status)."""
    return await campaign(client, campaign_id).query(CampaignOrchestratorWorkflow.status)


async def signal(client: Client, campaign_id: str, what: str) -> None:
    """`pause`, `resume` or `stop` the campaign."""
    handle = campaign(client, campaign_id)
    signals = {
        "pause": CampaignOrchestratorWorkflow.pause,
        "resume": CampaignOrchestratorWorkflow.resume,
        "stop": CampaignOrchestratorWorkflow.stop,
    }
    await handle.signal(signals[what])
