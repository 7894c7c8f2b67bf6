"""How much memory this process's browsers hold: what a worker reports with its heartbeat."""

from __future__ import annotations

import psutil

# Debian's `chromium`, Google's `chrome`, Playwright's `chrome-headless-shell` and the older
# `headless_shell`; the Playwright driver (node) in between is not the browser.
_BROWSER_NAMES = ("chrom", "headless_shell")


def chromium_rss_bytes() -> int:
    """Resident memory (RSS) of every Chromium process descended from this one, summed.

    RSS counts pages the processes share once per process, so the sum overstates what they
    hold together; it is the cheap figure (no smaps walk) and moves with it. Never raises:
    processes that exit meanwhile or cannot be read count as 0.
    """
    try:
        children = psutil.Process().children(recursive=True)
    except (psutil.Error, OSError):
        return 0
    total = 0
    for proc in children:
        try:
            with proc.oneshot():
                name = proc.name().lower()
                if any(part in name for part in _BROWSER_NAMES):
                    total += proc.memory_info().rss
        except (psutil.Error, OSError):
            continue  # exited meanwhile, or not ours to read
    return total
