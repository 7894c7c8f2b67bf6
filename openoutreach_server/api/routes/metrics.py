"""GET /metrics: Prometheus exposition of figures counted in the database (see metrics.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
def metrics(request: Request) -> Response:
    """Runs, accounts, browser sessions and memory, webhook deliveries, counted in the
    database at every scrape (so they hold for every process and host sharing it).

    Text format 0.0.4 by default; OpenMetrics when the `Accept` header asks for it.
    """
    # A plain def: the queries block, so FastAPI runs this on its thread pool.
    registry: CollectorRegistry = request.app.state.metrics_registry
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(registry), media_type=content_type)
