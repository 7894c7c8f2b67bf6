"""Connecting to Temporal and building the campaign worker: one data converter (pydantic)
for every client and worker, one list of workflows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from campaigns.workflows import CampaignOrchestratorWorkflow, LeadOutreachWorkflow

WORKFLOWS = (CampaignOrchestratorWorkflow, LeadOutreachWorkflow)
DATA_CONVERTER = pydantic_data_converter


async def connect(address: str, namespace: str = "default") -> Client:
    """A Temporal client speaking the campaign's data converter."""
    return await Client.connect(address, namespace=namespace, data_converter=DATA_CONVERTER)


def build_worker(
    client: Client,
    task_queue: str,
    activities: Sequence[Any],
    *,
    max_activities: int = 1000,
    **options: Any,
) -> Worker:
    """A worker for the campaign workflows and the given activities.

    Touchpoint activities mostly wait (long-polls on the server), so one worker holds many.
    """
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=list(activities),
        max_concurrent_activities=max_activities,
        **options,
    )
