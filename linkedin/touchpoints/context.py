"""What every touchpoint handler gets besides the page and its input."""

from __future__ import annotations

from dataclasses import dataclass

from linkedin.browser.pace import Pace


@dataclass
class TouchpointContext:
    """What a touchpoint needs besides its input: the LinkedIn host, pacing, dry-run."""

    base_url: str
    pace: Pace
    dry_run: bool = False
