"""Connecting to Temporal and building the campaign worker: one data converter (pydantic)
for every client and worker, one list of workflows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from campaigns.workflows import CampaignOrchestratorWorkflow, LeadOutreachWorkflow

WORKFLOWS = (CampaignOrchestratorWorkflow, LeadOutreachWorkflow)
DATA_CONVERTER = pydantic_data_converter
# The workflows' own modules hold no mutable state: passed through, they are imported once
# per process instead of once per workflow run inside the sandbox (the sandbox's largest
# cost with thousands of lead workflows); the sandbox still guards their calls.
PASSTHROUGH = ("campaigns", "openoutreach_client", "linkedin", "pydantic", "pydantic_core")


async def connect(address: str, namespace: str = "default") -> Client:
    """A Temporal client speaking the campaign's data converter."""
    return await Client.connect(address, namespace=namespace, data_converter=DATA_CONVERTER)


def build_worker(
    client: Client,
    task_queue: str,
    activities: Sequence[Any],
    *,
    max_activities: int = 1000,
    max_cached_workflows: int = 10_000,
    **options: Any,
) -> Worker:
    """A worker for the campaign workflows and the given activities.

    Touchpoint activities mostly wait (long-polls on the server), so one worker holds many;
    lead workflows mostly sleep, so it keeps many cached (a workflow evicted from the cache
    is replayed from its history on its next task).
    """
    runner = SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    )
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=list(activities),
        max_concurrent_activities=max_activities,
        max_cached_workflows=max_cached_workflows,
        workflow_runner=runner,
        **options,
    )
