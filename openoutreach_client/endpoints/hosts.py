"""GET /hosts: the worker hosts, their live workers, load and pinned accounts."""

from __future__ import annotations

from openoutreach_client.call import Call, as_list
from openoutreach_client.models import Host


def list_() -> Call[list[Host]]:
    """Hosts with a live worker or accounts pinned to them."""
    return Call("GET", "/hosts", as_list(Host))
