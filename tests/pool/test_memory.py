"""The browser memory a worker reports: the RSS of the Chromium processes under it."""

from __future__ import annotations

import subprocess
import sys

import psutil

from linkedin.browser.memory import chromium_rss_bytes
from linkedin.browser.pool import BrowserPool, Identity


def test_a_process_without_a_browser_reports_none() -> None:
    code = "from linkedin.browser.memory import chromium_rss_bytes; print(chromium_rss_bytes())"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "0"


async def test_the_pools_chromium_is_counted_while_it_runs() -> None:
    before = chromium_rss_bytes()
    pool = BrowserPool(max_contexts=1)
    try:
        async with pool.session(
            "a", identity=Identity(), load_state=_no_state, save_state=_drop
        ) as page:
            await page.goto("data:text/html,<p>hello</p>")
            running = chromium_rss_bytes()
            ours = [
                p for p in psutil.Process().children(recursive=True) if "chrom" in p.name().lower()
            ]
    finally:
        await pool.close()
    # A browser process, its GPU/utility processes and a renderer: tens of MB at least.
    assert ours and running - before > 20 * 2**20
    assert chromium_rss_bytes() < running  # gone with the browser


async def _no_state() -> None:
    return None


async def _drop(state: object) -> None:
    return None
