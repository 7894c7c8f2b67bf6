"""What the workflows, their signals and queries, and the activities exchange.

Plain pydantic models, serialized by Temporal's pydantic data converter (`temporal.py`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from campaigns.flow import Flow
from campaigns.leads import Lead

EventType = Literal["invitation.accepted", "invitation.withdrawn", "message.replied"]
LeadOutcome = Literal[
    "completed",  # the flow ran to its end
    "replied",  # the member replied: the sequence stopped there
    "not_accepted",  # the invitation was not accepted and the flow has no path for that
    "failed",  # a step that the flow cannot do without failed (detail: the error code)
    "ended",  # nothing can be done for this member (profile gone, run canceled)
    "stopped",  # the campaign was stopped
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


def campaign_workflow_id(campaign_id: str) -> str:
    """The orchestrator's workflow id."""
    return f"campaign-{campaign_id}"


def lead_workflow_id(campaign_id: str, lead_key: str) -> str:
    """A lead's workflow id: one lead runs at most once per campaign."""
    return f"campaign-{campaign_id}-lead-{lead_key}"


class CampaignOptions(_Model):
    """How a campaign runs; the defaults are the seeds'."""

    max_concurrent: int = Field(default=100, ge=1, le=100_000)
    stagger: timedelta = Field(default=timedelta(seconds=30), description="Between lead starts.")
    heartbeat: timedelta = Field(
        default=timedelta(seconds=60),
        description="A touchpoint activity that stops heartbeating this long (its worker died)"
        " is retried by another worker, which re-attaches to the same run.",
    )
    touchpoint_timeout: timedelta = Field(
        default=timedelta(hours=1),
        description="One activity attempt's budget; a run still queued then is re-attached.",
    )
    history_limit: int = Field(
        default=10_000, ge=100, description="Orchestrator events before it continues as new."
    )
    alert_url: str | None = Field(default=None, description="Also POST account alerts here.")


class Control(_Model):
    """What the orchestrator wants of its leads; a lead keeps the highest `seq` it saw."""

    seq: int = 0
    paused: bool = False
    stopped: bool = False
    paused_accounts: tuple[str, ...] = ()


class InboundEvent(_Model):
    """A server event about a lead's member, forwarded by the event pump."""

    type: EventType
    event_id: int | None = None
    timestamp: datetime | None = None
    run_id: int | None = None


class LeadInput(_Model):
    """Everything a lead workflow needs: who, with which account, which flow."""

    campaign_id: str
    orchestrator_id: str | None = None
    handle: str
    lead: Lead
    flow: Flow
    options: CampaignOptions = CampaignOptions()
    control: Control = Control()


class LeadProgress(_Model):
    """Steps a lead finished since its last report, as (step, result), and the step it is
    at now (None: its sequence is over)."""

    lead_key: str
    entries: tuple[tuple[str, str], ...]
    next_node: str | None = None


class LeadResult(_Model):
    """How a lead's sequence ended."""

    lead_key: str
    outcome: LeadOutcome
    last_node: str | None = None
    detail: str | None = None
    results: dict[str, str] = Field(default_factory=dict)
    unreported: tuple[tuple[str, str], ...] = Field(
        default=(), description="(step, result) not yet sent in a progress report."
    )


class LeadView(_Model):
    """A lead workflow's `state` query."""

    lead_key: str
    phase: str
    node: str | None
    accepted: bool
    replied: bool
    results: dict[str, str]


class AccountAlert(_Model):
    """An account blocked by LinkedIn (checkpoint, restriction, expired session)."""

    handle: str
    code: str
    message: str = ""
    campaign_id: str | None = None
    lead_key: str | None = None
    node_id: str | None = None
    run_id: int | None = None


class RunningLead(_Model):
    """A started lead as the orchestrator tracks it."""

    handle: str
    node: str | None


class CampaignInput(_Model):
    """The orchestrator's input; `carry` holds the state of the previous run after a
    continue-as-new (then `leads` holds only the leads not started yet)."""

    campaign_id: str
    account: str
    flow: Flow
    leads: str = Field(description="Packed leads (campaigns.leads.pack).")
    options: CampaignOptions = CampaignOptions()
    carry: CampaignCarry | None = None


class CampaignCarry(_Model):
    """The orchestrator's counters and running leads, across continue-as-new."""

    total: int
    started: int
    finished: int
    duplicates: int
    running: dict[str, RunningLead]
    nodes: dict[str, dict[str, int]]
    outcomes: dict[str, int]
    control: Control
    alerts: dict[str, AccountAlert]
    continued: int


class CampaignStatus(_Model):
    """The orchestrator's `status` query."""

    campaign_id: str
    state: Literal["running", "paused", "stopping", "stopped", "completed"]
    total: int
    pending: int
    running: int
    finished: int
    duplicates: int
    at_node: dict[str, int] = Field(description="Running leads by the step they are at.")
    nodes: dict[str, dict[str, int]] = Field(description="Step -> result -> leads.")
    outcomes: dict[str, int]
    paused_accounts: dict[str, AccountAlert]
    continued: int = Field(description="How often the orchestrator continued as new.")


class TouchpointCall(_Model):
    """Queue one touchpoint on the server and wait for its outcome."""

    handle: str
    touchpoint: dict[str, Any]
    key: str = Field(description="The step's idempotency key; run n uses key:n.")
    tags: tuple[str, ...] = ()


class TouchpointDone(_Model):
    """A run that completed."""

    run_id: int
    result: dict[str, Any]
    runs: int = 1

    @property
    def status(self) -> str:
        """The touchpoint's own status (`sent`, `withdrawn`, ...)."""
        return str(self.result.get("status") or "done")


class RunFailure(_Model):
    """Why a step's run failed, as the activity reports it to the workflow."""

    code: str
    disposition: str
    message: str = ""
    run_id: int | None = None
    handle: str | None = None


class WebhookCall(_Model):
    """POST `payload` to `url`; `key` is the delivery id the receiver can de-duplicate on."""

    url: str
    key: str
    payload: dict[str, Any]


class AlertCall(_Model):
    """An account alert to log and, if URLs are given, to POST."""

    alert: AccountAlert
    urls: tuple[str, ...] = ()


CampaignInput.model_rebuild()
