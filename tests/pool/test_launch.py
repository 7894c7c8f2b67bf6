"""Chromium's environment and sandbox, and where trace chunks are written."""

from __future__ import annotations

import fcntl
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from loguru import logger
from playwright.async_api import async_playwright

from linkedin.browser.launch import browser_env, launch_chromium, use_sandbox
from linkedin.browser.pool import BrowserPool, Identity


async def _none() -> dict[str, Any] | None:
    return None


async def _drop(state: dict[str, Any]) -> None:
    return None


def _browser_processes(besides: frozenset[int] = frozenset()) -> list[psutil.Process]:
    """Chromium browser processes started by this test process (not its renderers), but
    those in `besides`: other tests of this process (a session's shared browser) keep theirs."""
    found = []
    for child in psutil.Process().children(recursive=True):
        if child.pid in besides:
            continue
        try:
            cmdline = child.cmdline()
        except psutil.Error:
            continue
        if (
            cmdline
            and "chrom" in Path(cmdline[0]).name
            and not any(arg.startswith("--type=") for arg in cmdline)
        ):
            found.append(child)
    return found


def _environ(pid: int) -> list[bytes]:
    return Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    seen: list[str] = []
    sink = logger.add(lambda message: seen.append(str(message)), level="WARNING")
    yield seen
    logger.remove(sink)


def test_sandbox_unless_root() -> None:
    assert use_sandbox("auto", euid=0) is False
    assert use_sandbox("auto", euid=1000) is True
    assert use_sandbox(True, euid=0) is True
    assert use_sandbox(False, euid=1000) is False
    env = browser_env({"PATH": "/usr/bin", "OO_SECRET_KEY": "k", "OO_API_KEYS": "a", "HOME": "/h"})
    assert env == {"PATH": "/usr/bin", "HOME": "/h"}


async def test_chromium_never_sees_the_servers_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OO_SECRET_KEY", "secret-key-for-the-env-test")
    monkeypatch.setenv("OO_API_KEYS", "api-key-for-the-env-test")
    pool = BrowserPool(max_contexts=1, sandbox=False, traces_root=tmp_path / "traces")
    others = frozenset(p.pid for p in _browser_processes())
    try:
        async with pool.session(
            "a", identity=Identity(), load_state=_none, save_state=_drop
        ) as page:
            await page.goto("about:blank")
            browsers = _browser_processes(others)
            assert browsers, "the Chromium browser process was not found"
            for process in browsers:
                environ = _environ(process.pid)
                names = [item.split(b"=", 1)[0] for item in environ if item]
                assert b"PATH" in names
                assert not [n for n in names if n.startswith(b"OO_")], names
                assert b"secret-key-for-the-env-test" not in b"\0".join(environ)
                assert "--no-sandbox" in process.cmdline()
    finally:
        await pool.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: Chromium refuses a sandbox as root")
async def test_auto_falls_back_without_the_sandbox_with_a_warning(warnings: list[str]) -> None:
    async with async_playwright() as playwright:
        # Told it is not root, auto mode tries the sandbox first; as root Chromium refuses.
        browser = await launch_chromium(playwright, sandbox="auto", euid=1000)
        try:
            assert browser.is_connected()
            assert any("without the sandbox" in w for w in warnings), warnings
        finally:
            await browser.close()
        with pytest.raises(Exception, match="sandbox"):
            await launch_chromium(playwright, sandbox=True)


async def test_trace_chunks_stay_in_a_private_dir_and_leftovers_go(tmp_path: Path) -> None:
    root = tmp_path / "data" / "tmp" / "traces"
    dead = root / "pool-dead"
    dead.mkdir(parents=True)
    (dead / ".lock").touch()
    (dead / "abc.trace").write_text('{"type":"before","params":{"value":"left behind"}}')
    (root / "stray.network").write_text("left behind")
    alive = root / "pool-alive"
    alive.mkdir()
    held = os.open(alive / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)  # another live process's directory
    pool = BrowserPool(max_contexts=1, tracing=True, traces_root=root)
    try:
        async with pool.session(
            "a", identity=Identity(), load_state=_none, save_state=_drop
        ) as page:
            await page.goto("about:blank")
            assert not dead.exists() and not (root / "stray.network").exists()
            assert alive.exists()
            assert stat.S_IMODE(root.stat().st_mode) == 0o700
            own = [p for p in root.iterdir() if p.name not in ("pool-alive",)]
            assert len(own) == 1
            assert list(own[0].glob("*.trace")), "chunks are recorded in the pool's own dir"
            trace = await pool.take_trace(page)
        assert trace is not None and trace.startswith(b"PK")
        assert not list(own[0].glob("take-*.zip"))  # the saved chunk did not stay
    finally:
        await pool.close()
        os.close(held)
    assert [p.name for p in root.iterdir()] == ["pool-alive"]


async def test_a_relaunch_empties_the_dead_browsers_chunks(tmp_path: Path) -> None:
    root = tmp_path / "traces"
    pool = BrowserPool(max_contexts=1, tracing=True, traces_root=root)
    others = frozenset(p.pid for p in _browser_processes())
    try:
        async with pool.session("a", identity=Identity(), load_state=_none, save_state=_drop):
            own = next(root.iterdir())
            before = {p.name for p in own.glob("*.trace")}
            assert before
            for process in _browser_processes(others):
                process.kill()
        async with pool.session("a", identity=Identity(), load_state=_none, save_state=_drop):
            after = {p.name for p in own.glob("*.trace")}
        assert pool.launches == 2
        assert after and not before & after
    finally:
        await pool.close()
