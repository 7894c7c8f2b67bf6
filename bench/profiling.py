"""Optional sampling profiles of a benchmark's server process with py-spy (BENCH_PROFILE=1).

`py-spy record --format raw` writes collapsed stacks; `summarize` turns them into the
functions with the largest inclusive and self share of samples, which is what the
benchmark reports quote.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<fn>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def enabled() -> bool:
    """BENCH_PROFILE=1 and py-spy is installed."""
    return os.environ.get("BENCH_PROFILE") == "1" and _py_spy() is not None


def _py_spy() -> str | None:
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def start(
    pid: int,
    out: Path,
    seconds: float,
    *,
    threads: bool = False,
    idle: bool = False,
    gil: bool = True,
) -> subprocess.Popen[bytes] | None:
    """Sample `pid` for `seconds` into collapsed stacks at `out` (returns the py-spy process).

    With `gil` (default) only the thread holding the GIL is sampled: the shares are then
    shares of the interpreter's CPU time, not of threads waiting on locks or sockets.
    """
    exe = _py_spy()
    if exe is None:
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        exe,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        "250",
        "--format",
        "raw",
        "--output",
        str(out),
        "--nonblocking",
    ]
    if threads:
        argv.append("--threads")
    if idle:
        argv.append("--idle")
    if gil:
        argv.append("--gil")
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _short(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    file = m.group("file")
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{m.group('fn')} ({file})"


def summarize(path: Path, top: int = 25) -> dict[str, list[tuple[str, float]]]:
    """Top functions by inclusive and by self share of samples (percent)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    if not path.exists():
        return {"inclusive": [], "self": []}
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_short(f) for f in stack.split(";")]
        # py-spy puts "process/thread" pseudo-frames first; skip them for self time only.
        total += n
        for name in set(frames):
            inclusive[name] += n
        own[frames[-1]] += n
    if total == 0:
        return {"inclusive": [], "self": []}

    def pct(c: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in c.most_common(top)]

    return {"samples": [("total", float(total))], "inclusive": pct(inclusive), "self": pct(own)}


def print_summary(title: str, summary: dict[str, list[tuple[str, float]]], top: int = 15) -> None:
    """Print the top lines of a summary."""
    print(f"  profile: {title}")
    for kind in ("self", "inclusive"):
        print(f"    by {kind}:")
        for name, share in summary.get(kind, [])[:top]:
            print(f"      {share:5.1f}%  {name}")
