"""Wake-up sockets work whatever the data dir's depth (a socket path holds 107 bytes)."""

from __future__ import annotations

import asyncio
import stat
import tempfile
from pathlib import Path

from openoutreach_server.config import Settings
from openoutreach_server.datadir import secure_data_dir
from openoutreach_server.store.notifier import EVENTS, RUNS, UnixSocketNotifier


def _settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir)


def test_a_shallow_data_dir_keeps_its_sockets_inside() -> None:
    with tempfile.TemporaryDirectory(prefix="oo") as short:
        data = Path(short) / "d"
        assert _settings(data).wake_dir == data.resolve() / "wake"


async def test_a_deep_data_dir_wakes_through_a_short_private_directory(tmp_path: Path) -> None:
    deep = tmp_path / ("nested-directory-" * 4) / ("another-level-" * 4) / "data"
    assert len(str(deep / "wake")) > 107
    wake_dir = _settings(deep).wake_dir
    # Every process of this data dir, however it spells the path, finds the same sockets.
    assert wake_dir == _settings(deep / ".." / "data").wake_dir
    assert wake_dir != _settings(tmp_path / "other").wake_dir
    notifier = UnixSocketNotifier(secure_data_dir(wake_dir))
    assert stat.S_IMODE(wake_dir.stat().st_mode) == 0o700
    woken = {RUNS: asyncio.Event(), EVENTS: asyncio.Event()}
    runs = notifier.listen("w12345-abcdef", {RUNS: woken[RUNS].set})
    events = notifier.listen("d12345-abcd", {EVENTS: woken[EVENTS].set})
    try:
        notifier.notify(RUNS)
        notifier.notify(EVENTS)
        await asyncio.wait_for(woken[RUNS].wait(), 5)
        await asyncio.wait_for(woken[EVENTS].wait(), 5)
    finally:
        runs.stop()
        events.stop()
