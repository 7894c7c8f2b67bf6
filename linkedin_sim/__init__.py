"""A local LinkedIn look-alike that records what automation did (see README.md)."""

from linkedin_sim.app import create_app
from linkedin_sim.server import SimServer, serve
from linkedin_sim.state import SimState

__all__ = ["SimServer", "SimState", "create_app", "serve"]
