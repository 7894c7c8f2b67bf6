"""The README's commands do what they say: `make run` installs the runtime only, `make test`
the dev tools too, `make sim` takes a port."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _plan(*args: str) -> str:
    """What make would run (make -n), without running it."""
    done = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_run_installs_the_runtime_only_and_make_test_the_dev_tools() -> None:
    assert "scripts/setup.sh runtime" in _plan("run")
    assert "scripts/setup.sh dev" not in _plan("run")
    assert "scripts/setup.sh dev" in _plan("test")
    script = (ROOT / "scripts/setup.sh").read_text()
    runtime = script.split('if [ "$kind" = dev ]; then', 1)[1].split("else", 1)[1]
    assert "pip install --quiet -e ." in runtime and "[dev]" not in runtime.split("fi", 1)[0]


def test_make_sim_takes_a_port() -> None:
    assert "openoutreach-server sim --port 9000" in _plan("sim", "PORT=9000")
    assert "openoutreach-server sim --port 8765" in _plan("sim")
