"""The campaign's Temporal workflows: one `LeadOutreachWorkflow` per lead, started and
steered by one `CampaignOrchestratorWorkflow` per campaign.

Deterministic code only: every touch of the world (the server, a webhook, an alert) is an
activity (`activities.py`), time is Temporal's timers. Signals and queries:

- lead: `control` (pause / resume / stop / held accounts, from the orchestrator),
  `inbound` (an accepted or withdrawn invitation, a reply, from the event pump), query `state`;
- orchestrator: `pause`, `resume`, `stop`, `account_resumed(handle)`, and from its leads
  `lead_progress`, `lead_finished`, `account_blocked`; query `status`.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from campaigns import templating
    from campaigns.flow import (
        CommentConfig,
        FollowupConfig,
        InviteConfig,
        LikeConfig,
        Node,
        VisitConfig,
        WebhookConfig,
        WithdrawConfig,
    )
    from campaigns.leads import Lead, pack, unpack
    from campaigns.models import (
        AccountAlert,
        AlertCall,
        CampaignCarry,
        CampaignInput,
        CampaignStatus,
        Control,
        InboundEvent,
        LeadInput,
        LeadProgress,
        LeadResult,
        LeadView,
        RunFailure,
        RunningLead,
        TouchpointCall,
        TouchpointDone,
        WebhookCall,
        lead_workflow_id,
    )
    from campaigns.outcomes import INVITE_CONNECTED, Disposition
    from openoutreach_client.keys import idempotency_key

# The seeds' retry policy. Touchpoint activities retry without an attempt limit: a worker
# crash or a server outage must not fail a lead; failed runs are bounded by the activity
# itself (outcomes.MAX_RUNS).
TOUCHPOINT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=60),
    maximum_attempts=0,
)
WEBHOOK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=60),
    maximum_attempts=3,
)
# Events older than the lead (an acceptance from an earlier campaign, replayed by a pump
# that starts from the beginning of the feed) are ignored; this much clock skew is allowed.
STALE_EVENT_SLACK = timedelta(minutes=5)
STOP_GRACE = timedelta(minutes=10)
START_BATCH = 100  # lead starts sent in one workflow task when there is no stagger
SIGNAL_RETRY_S = (1.0, 2.0, 4.0, 8.0, 15.0)
REPORT_BEFORE_WAIT = timedelta(seconds=60)  # a lead reports its progress before such waits
OPTIONAL_STEPS = frozenset({"profile_visit", "like_post", "comment_post", "notify_webhook"})


def failure_of(error: ActivityError) -> RunFailure:
    """The `RunFailure` an activity raised, or a stand-in for any other failure."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.details:
        detail = cause.details[0]
        if isinstance(detail, dict):
            return RunFailure.model_validate(detail)
        if isinstance(detail, RunFailure):
            return detail
    message = str(cause or error)
    return RunFailure(code="INTERNAL_ERROR", disposition=Disposition.PERMANENT, message=message)


class _Step:
    """The outcome of one step for the lead: a result word, and whether the lead ends."""

    def __init__(self, result: str, *, end: str | None = None, detail: str | None = None):
        self.result = result
        self.end = end
        self.detail = detail


@workflow.defn
class LeadOutreachWorkflow:
    """Walks one lead through the flow: a step, the edge's delay, the next step; branches on
    the invitation's acceptance; ends on a reply, a stop, or the flow's end."""

    def __init__(self) -> None:
        self._control = Control()
        self._blocked_seq: int | None = None
        self._accepted = False
        self._gone = False
        self._replied = False
        self._node: str | None = None
        self._phase = "starting"
        self._results: dict[str, str] = {}
        self._key = ""
        self._unreported: list[tuple[str, str]] = []
        self._at: str | None = None

    # --- signals and queries ---------------------------------------------------------

    @workflow.signal
    def control(self, control: Control) -> None:
        """The orchestrator's wishes; an older one than already seen is ignored."""
        if control.seq > self._control.seq:
            self._control = control

    @workflow.signal
    def inbound(self, event: InboundEvent) -> None:
        """An invitation accepted or gone, or a reply (from the event pump)."""
        started = workflow.info().start_time
        if event.timestamp is not None and event.timestamp < started - STALE_EVENT_SLACK:
            workflow.logger.info("ignoring %s from before this lead started", event.type)
            return
        if event.type == "invitation.accepted":
            self._accepted = True
        elif event.type == "invitation.withdrawn":
            self._gone = True
        elif event.type == "message.replied":
            self._replied = True

    @workflow.query
    def state(self) -> LeadView:
        """Where the lead is."""
        return LeadView(
            lead_key=self._key,
            phase=self._phase,
            node=self._node,
            accepted=self._accepted,
            replied=self._replied,
            results=dict(self._results),
        )

    # --- the walk ----------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: LeadInput) -> LeadResult:
        """Walk the flow for `inp.lead`; returns how the sequence ended."""
        self._inp = inp
        self._key = inp.lead.key
        if inp.control.seq > self._control.seq:
            self._control = inp.control
        outcome, detail = "completed", None
        node_id: str | None = inp.flow.start
        while node_id is not None:
            node = inp.flow.nodes[node_id]
            self._node = node_id
            if not await self._ready():
                break
            step = await self._perform(node)
            self._results[node_id] = step.result
            if step.end is not None:
                outcome, detail = step.end, step.detail
                self._note(node_id, step.result, None)
                break
            if node.waits_for_acceptance:  # the lead stays at this step while it waits
                self._note(node_id, step.result, node_id)
            target, delay, end = await self._next(node)
            if not node.waits_for_acceptance:
                self._note(node_id, step.result, target)
            elif not self._interrupted:
                acceptance = "accepted" if self._accepted else "not_accepted"
                self._note(node_id, acceptance, target)
            if end is not None:
                outcome = end
                break
            if target is not None and delay > timedelta(0):
                self._phase = "sleeping"
                await self._report_before(delay)
                await self._sleep(delay)
            node_id = target
        if self._replied:
            outcome = "replied"
        elif self._control.stopped:
            outcome = "stopped"
        self._phase = "done"
        result = LeadResult(
            lead_key=self._key,
            outcome=outcome,  # type: ignore[arg-type]
            last_node=self._node,
            detail=detail,
            results=dict(self._results),
            unreported=tuple(self._unreported),
        )
        self._unreported = []
        await self._tell_orchestrator("lead_finished", result)
        return result

    @property
    def _interrupted(self) -> bool:
        return self._control.stopped or self._replied

    @property
    def _held(self) -> bool:
        if self._control.paused:
            return True
        if self._inp.handle in self._control.paused_accounts:
            return True
        return self._blocked_seq is not None and self._control.seq <= self._blocked_seq

    async def _ready(self) -> bool:
        """Wait out pauses; False if the lead must stop instead."""
        if self._held and not self._interrupted:
            self._phase = "paused"
            await self._report_before(None)
            await workflow.wait_condition(lambda: self._interrupted or not self._held)
        if not self._held:
            self._blocked_seq = None
        return not self._interrupted

    async def _sleep(self, delay: timedelta) -> None:
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: self._interrupted, timeout=delay)

    async def _next(self, node: Node) -> tuple[str | None, timedelta, str | None]:
        """Where to go after `node`: (target, delay before it, outcome if the lead ends)."""
        if not node.waits_for_acceptance:
            edge = node.next
            return (edge.target, edge.delay, None) if edge else (None, timedelta(0), None)
        if self._results.get(node.id) == INVITE_CONNECTED:
            self._accepted = True
        if not self._accepted:
            self._phase = "waiting_acceptance"
            await self._report_before(node.acceptance_timeout)
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._accepted or self._gone or self._interrupted,
                    timeout=node.acceptance_timeout,
                )
        if self._interrupted:
            return None, timedelta(0), None
        if self._accepted and node.accepted is not None:
            return node.accepted.target, node.accepted.delay, None
        if node.not_accepted is not None:
            return node.not_accepted.target, timedelta(0), None  # its delay was the deadline
        return None, timedelta(0), "not_accepted"

    async def _perform(self, node: Node) -> _Step:
        self._phase = "acting"
        if isinstance(node.config, WebhookConfig):
            return await self._notify(node, node.config)
        touchpoint = self._touchpoint(node)
        generation = 0
        while True:
            failure = await self._touch(node, touchpoint, generation)
            if isinstance(failure, TouchpointDone):
                return _Step(failure.status)
            if failure is None:  # stopped meanwhile
                return _Step("stopped", end="stopped")
            if failure.disposition == Disposition.ACCOUNT:
                await self._account_blocked(node, failure)
                if not await self._ready():
                    return _Step("stopped", end="stopped")
                generation += 1  # the failed run stays failed: a fresh one for this step
                continue
            return self._failed(node, failure)

    def _failed(self, node: Node, failure: RunFailure) -> _Step:
        result = f"failed:{failure.code}"
        if failure.disposition == Disposition.END:
            return _Step(result, end="ended", detail=failure.code)
        if node.kind in OPTIONAL_STEPS:
            workflow.logger.info("%s: %s skipped (%s)", self._key, node.id, failure.code)
            return _Step(f"skipped:{failure.code}")
        return _Step(result, end="failed", detail=failure.code)

    async def _touch(
        self, node: Node, touchpoint: dict[str, Any], generation: int
    ) -> TouchpointDone | RunFailure | None:
        """One step's touchpoint through the activity; None if the lead was stopped."""
        wf_id = workflow.info().workflow_id
        call = TouchpointCall(
            handle=self._inp.handle,
            touchpoint=touchpoint,
            key=idempotency_key(wf_id, node.id, generation),
            tags=(f"campaign-{self._inp.campaign_id}"[:64],),
        )
        options = self._inp.options
        task = workflow.start_activity(
            "run_touchpoint",
            call,
            result_type=TouchpointDone,
            start_to_close_timeout=options.touchpoint_timeout,
            heartbeat_timeout=options.heartbeat,
            retry_policy=TOUCHPOINT_RETRY,
        )
        await workflow.wait_condition(lambda: task.done() or self._control.stopped)
        if not task.done():
            task.cancel()  # the activity cancels the run on the server if it has not started
            with contextlib.suppress(ActivityError, asyncio.CancelledError):
                await task
            return None
        try:
            return await task
        except ActivityError as error:
            return failure_of(error)

    async def _notify(self, node: Node, config: WebhookConfig) -> _Step:
        wf_id = workflow.info().workflow_id
        payload = {
            "campaign_id": self._inp.campaign_id,
            "workflow_id": wf_id,
            "node_id": node.id,
            "handle": self._inp.handle,
            "lead": {
                "key": self._key,
                "profile_url": self._inp.lead.profile_url,
                "fields": dict(self._inp.lead.fields),
            },
            "accepted": self._accepted,
            "results": dict(self._results),
            "at": workflow.now().isoformat(),
        }
        call = WebhookCall(url=config.url, key=idempotency_key(wf_id, node.id), payload=payload)
        try:
            await workflow.execute_activity(
                "notify_webhook",
                call,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=WEBHOOK_RETRY,
            )
        except ActivityError as error:
            workflow.logger.warning("%s: webhook %s failed: %s", self._key, node.id, error.cause)
            return _Step("skipped:WEBHOOK_FAILED")
        return _Step("notified")

    async def _account_blocked(self, node: Node, failure: RunFailure) -> None:
        self._blocked_seq = self._control.seq
        self._phase = "account_paused"
        alert = AccountAlert(
            handle=self._inp.handle,
            code=failure.code,
            message=failure.message,
            campaign_id=self._inp.campaign_id,
            lead_key=self._key,
            node_id=node.id,
            run_id=failure.run_id,
        )
        if self._inp.orchestrator_id is None:
            await _raise_alert(alert, self._inp.flow.webhook_urls(), self._inp.options.alert_url)
        else:
            await self._tell_orchestrator("account_blocked", alert)

    def _touchpoint(self, node: Node) -> dict[str, Any]:
        lead = self._inp.lead
        url = lead.profile_url
        fields = lead.fields
        config = node.config
        if isinstance(config, VisitConfig):
            return {"type": "visit", "profile_url": url}
        if isinstance(config, LikeConfig):
            return {
                "type": "react",
                "profile_url": url,
                "within_days": config.within_days,
                "reaction": config.reaction,
            }
        if isinstance(config, CommentConfig):
            return {
                "type": "comment",
                "profile_url": url,
                "within_days": config.within_days,
                "text": templating.render(config.text, fields),
            }
        if isinstance(config, InviteConfig):
            note = templating.render(config.note, fields) if config.note else ""
            return {"type": "connect", "profile_url": url, **({"note": note} if note else {})}
        if isinstance(config, FollowupConfig):
            return {
                "type": "message",
                "profile_url": url,
                "text": templating.render(config.text, fields),
            }
        if isinstance(config, WithdrawConfig):
            return {"type": "withdraw", "profile_url": url}
        raise ApplicationError(f"step {node.id} has no touchpoint", non_retryable=True)

    def _note(self, node_id: str, result: str, next_node: str | None) -> None:
        """Record a step's result for the next progress report."""
        self._unreported.append((node_id, result))
        self._at = next_node

    async def _report_before(self, wait: timedelta | None) -> None:
        """Report progress before a long wait (None: an open-ended one). Steps that follow
        each other quickly are reported together: fewer signals for the orchestrator."""
        if not self._unreported or (wait is not None and wait < REPORT_BEFORE_WAIT):
            return
        entries, self._unreported = tuple(self._unreported), []
        progress = LeadProgress(lead_key=self._key, entries=entries, next_node=self._at)
        await self._tell_orchestrator("lead_progress", progress)

    async def _tell_orchestrator(self, signal: str, arg: Any) -> None:
        """Signal the orchestrator. A signal that reaches it while it continues as new fails
        (it was not delivered): send it again a few times before deciding it has ended."""
        if self._inp.orchestrator_id is None:
            return
        handle = workflow.get_external_workflow_handle(self._inp.orchestrator_id)
        for pause in (*SIGNAL_RETRY_S, None):
            try:
                await handle.signal(signal, arg)
                return
            except Exception as error:
                if pause is None:  # the campaign has ended: nobody to tell
                    workflow.logger.info(
                        "%s: orchestrator not told %s: %s", self._key, signal, error
                    )
                    return
                await workflow.sleep(pause)


async def _raise_alert(alert: AccountAlert, urls: list[str], alert_url: str | None) -> None:
    targets = tuple(dict.fromkeys([*urls, *([alert_url] if alert_url else [])]))
    try:
        await workflow.execute_activity(
            "raise_alert",
            AlertCall(alert=alert, urls=targets),
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=WEBHOOK_RETRY,
        )
    except ActivityError as error:
        workflow.logger.warning("alert for %s not delivered: %s", alert.handle, error.cause)


@workflow.defn
class CampaignOrchestratorWorkflow:
    """Starts the campaign's leads as child workflows (at most `max_concurrent` at once, one
    every `stagger`), steers them (pause, resume, stop, held accounts), counts their
    progress, and continues as new before its history grows too long."""

    @workflow.init
    def __init__(self, inp: CampaignInput) -> None:
        # State is loaded here, not in run(): signals that arrived with the first task of a
        # new run (after a continue-as-new) are applied before run() starts, on top of it.
        self._inp = inp
        self._campaign_id = inp.campaign_id
        self._pending: list[Lead] = []
        self._running: dict[str, RunningLead] = {}
        self._nodes: dict[str, dict[str, int]] = {}
        self._outcomes: dict[str, int] = {}
        self._alerts: dict[str, AccountAlert] = {}
        self._control = Control()
        self._total = self._started = self._finished = self._duplicates = 0
        self._continued = 0
        self._state = "running"
        self._fanout = asyncio.Lock()
        self._alert_queue: list[AccountAlert] = []
        self._load(inp)

    # --- signals and queries ---------------------------------------------------------

    @workflow.signal
    async def pause(self) -> None:
        """Start no more leads; running leads hold before their next step."""
        await self._steer(paused=True)

    @workflow.signal
    async def resume(self) -> None:
        """Undo a pause, and release every held account."""
        self._alerts.clear()
        await self._steer(paused=False, paused_accounts=())

    @workflow.signal
    async def stop(self) -> None:
        """Start no more leads; running leads end now (a queued run is canceled)."""
        await self._steer(stopped=True)

    @workflow.signal
    async def account_resumed(self, handle: str) -> None:
        """Release one held account (its status is active again)."""
        if handle in self._control.paused_accounts:
            self._alerts.pop(handle, None)
            rest = tuple(h for h in self._control.paused_accounts if h != handle)
            await self._steer(paused_accounts=rest)

    @workflow.signal
    async def account_blocked(self, alert: AccountAlert) -> None:
        """A lead's run found its account blocked: hold the account's leads, alert once."""
        if alert.handle in self._control.paused_accounts:
            return
        self._alerts[alert.handle] = alert
        self._alert_queue.append(alert)
        await self._steer(paused_accounts=(*self._control.paused_accounts, alert.handle))

    @workflow.signal
    def lead_progress(self, progress: LeadProgress) -> None:
        """A lead finished steps and now waits at `next_node`."""
        self._count(progress.entries)
        running = self._running.get(progress.lead_key)
        if running is not None:
            self._running[progress.lead_key] = RunningLead(
                handle=running.handle, node=progress.next_node
            )

    def _count(self, entries: tuple[tuple[str, str], ...]) -> None:
        for node_id, result in entries:
            counts = self._nodes.setdefault(node_id, {})
            counts[result] = counts.get(result, 0) + 1

    @workflow.signal
    def lead_finished(self, result: LeadResult) -> None:
        """A lead's sequence ended."""
        if self._running.pop(result.lead_key, None) is None:
            return
        self._count(result.unreported)
        self._finished += 1
        self._outcomes[result.outcome] = self._outcomes.get(result.outcome, 0) + 1

    @workflow.query
    def status(self) -> CampaignStatus:
        """Counts per step, per outcome, running and pending leads, held accounts."""
        at_node: dict[str, int] = {}
        for lead in self._running.values():
            if lead.node is not None:
                at_node[lead.node] = at_node.get(lead.node, 0) + 1
        state = self._state
        if state == "running" and self._control.paused:
            state = "paused"
        return CampaignStatus(
            campaign_id=self._campaign_id,
            state=state,  # type: ignore[arg-type]
            total=self._total,
            pending=len(self._pending),
            running=len(self._running),
            finished=self._finished,
            duplicates=self._duplicates,
            at_node=at_node,
            nodes={k: dict(v) for k, v in self._nodes.items()},
            outcomes=dict(self._outcomes),
            paused_accounts=dict(self._alerts),
            continued=self._continued,
        )

    # --- the loop ----------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: CampaignInput) -> CampaignStatus:
        """Run the campaign to its end (or its stop); returns the final status."""
        while True:
            await workflow.wait_condition(
                lambda: (
                    self._control.stopped
                    or bool(self._alert_queue)
                    or self._should_continue()
                    or self._next_index() is not None
                    or self._done()
                )
            )
            if self._alert_queue:
                await self._send_alerts()
                continue
            if self._control.stopped or self._done():
                break
            if self._should_continue():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._carry())
            # Without a stagger, start up to START_BATCH leads in one workflow task (their
            # start commands travel together); with one, a lead at a time.
            batch: list[Lead] = []
            limit = START_BATCH if inp.options.stagger <= timedelta(0) else 1
            while len(batch) < limit:
                index = self._next_index(reserved=len(batch))
                if index is None:
                    break
                batch.append(self._pending.pop(index))
            if not batch:
                continue
            await asyncio.gather(*(self._start_lead(lead) for lead in batch))
            if inp.options.stagger > timedelta(0):
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: self._control.stopped, timeout=inp.options.stagger
                    )
        if self._control.stopped:
            self._state = "stopping"
            try:
                await workflow.wait_condition(lambda: not self._running, timeout=STOP_GRACE)
            except TimeoutError:
                workflow.logger.warning("%d leads still running after the stop", len(self._running))
            self._state = "stopped"
        else:
            self._state = "completed"
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    def _load(self, inp: CampaignInput) -> None:
        leads = unpack(inp.leads)
        carry = inp.carry
        if carry is None:
            unique: dict[str, Lead] = {}
            for lead in leads:
                if lead.key in unique:
                    self._duplicates += 1
                else:
                    unique[lead.key] = lead
            self._pending = list(unique.values())
            self._total = len(self._pending)
            return
        self._pending = leads
        self._total, self._started = carry.total, carry.started
        self._finished, self._duplicates = carry.finished, carry.duplicates
        self._running = dict(carry.running)
        self._nodes = {k: dict(v) for k, v in carry.nodes.items()}
        self._outcomes = dict(carry.outcomes)
        self._control = carry.control
        self._alerts = dict(carry.alerts)
        self._continued = carry.continued

    def _carry(self) -> CampaignInput:
        return CampaignInput(
            campaign_id=self._inp.campaign_id,
            account=self._inp.account,
            flow=self._inp.flow,
            leads=pack(self._pending),
            options=self._inp.options,
            carry=CampaignCarry(
                total=self._total,
                started=self._started,
                finished=self._finished,
                duplicates=self._duplicates,
                running=self._running,
                nodes=self._nodes,
                outcomes=self._outcomes,
                control=self._control,
                alerts=self._alerts,
                continued=self._continued + 1,
            ),
        )

    def _should_continue(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self._inp.options.history_limit
        )

    def _done(self) -> bool:
        return not self._pending and not self._running

    def _next_index(self, reserved: int = 0) -> int | None:
        """The first pending lead that may start now, if any (`reserved` slots are taken by
        leads about to start)."""
        if self._control.paused or self._control.stopped:
            return None
        if len(self._running) + reserved >= self._inp.options.max_concurrent:
            return None
        held = self._control.paused_accounts
        for index, lead in enumerate(self._pending):
            if (lead.account or self._inp.account) not in held:
                return index
        return None

    async def _start_lead(self, lead: Lead) -> None:
        handle = lead.account or self._inp.account
        child_id = lead_workflow_id(self._inp.campaign_id, lead.key)
        inp = LeadInput(
            campaign_id=self._inp.campaign_id,
            orchestrator_id=workflow.info().workflow_id,
            handle=handle,
            lead=lead,
            flow=self._inp.flow,
            options=self._inp.options,
            control=self._control,
        )
        # Counted as running before the start resolves: a quick lead's first signals (even
        # its end) can be handled before this coroutine resumes.
        self._running[lead.key] = RunningLead(handle=handle, node=self._inp.flow.start)
        self._started += 1
        try:
            await workflow.start_child_workflow(
                LeadOutreachWorkflow.run,
                inp,
                id=child_id,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.warning("lead %s was already started in this campaign", lead.key)
            self._running.pop(lead.key, None)
            self._started -= 1
            self._duplicates += 1
            self._total -= 1

    async def _steer(
        self,
        *,
        paused: bool | None = None,
        stopped: bool | None = None,
        paused_accounts: tuple[str, ...] | None = None,
    ) -> None:
        """Change the control state and send it to every running lead."""
        current = self._control
        self._control = Control(
            seq=current.seq + 1,
            paused=current.paused if paused is None else paused,
            stopped=current.stopped or bool(stopped),
            paused_accounts=current.paused_accounts if paused_accounts is None else paused_accounts,
        )
        async with self._fanout:
            control = self._control  # the newest, even if another change came meanwhile
            await asyncio.gather(
                *(
                    _signal_quietly(lead_workflow_id(self._campaign_id, key), "control", control)
                    for key in list(self._running)
                )
            )

    async def _send_alerts(self) -> None:
        alerts, self._alert_queue = self._alert_queue, []
        for alert in alerts:
            await _raise_alert(alert, self._inp.flow.webhook_urls(), self._inp.options.alert_url)


async def _signal_quietly(workflow_id: str, signal: str, arg: Any) -> None:
    try:
        await workflow.get_external_workflow_handle(workflow_id).signal(signal, arg)
    except Exception as error:  # the lead has just ended
        workflow.logger.info("%s not signaled %s: %s", workflow_id, signal, error)
