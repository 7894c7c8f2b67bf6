"""GET /health."""

from __future__ import annotations

from openoutreach_client.call import Call, as_model
from openoutreach_client.models import Health


def health() -> Call[Health]:
    """Liveness: server version, whether it runs a worker, its database kind."""
    return Call("GET", "/health", as_model(Health))
