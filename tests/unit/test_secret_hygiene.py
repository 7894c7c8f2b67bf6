"""Secrets stay out of logs and reprs; keys are written atomically and checked at start."""

from __future__ import annotations

import io
import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from loguru import logger
from pydantic import SecretStr

from linkedin.browser.pool import Identity
from openoutreach_server.accounts import AccountSecrets
from openoutreach_server.config import Settings
from openoutreach_server.crypto import KeyFileError, SecretBox, load_or_create_api_keys
from openoutreach_server.logs import configure_logging
from openoutreach_server.runtime import build_context

PASSWORD = "hunter2-p@ss-do-not-log"


def _login(password: str) -> None:
    raise RuntimeError("login failed")


def test_a_traceback_in_the_log_shows_no_variable_values(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for json_logs in (False, True):
        stream = io.StringIO()
        monkeypatch.setattr(sys, "stderr", stream)
        settings.log_json = json_logs
        configure_logging(settings)
        box = SecretBox(b"x" * 43 + b"=")  # local variables that hold secrets
        try:
            _login(PASSWORD)
        except RuntimeError:
            logger.exception("it failed")
        logger.remove()
        out = stream.getvalue()
        assert "RuntimeError: login failed" in out
        assert PASSWORD not in out
        assert repr(box) not in out or "hidden" in repr(box)


def test_secret_holding_types_hide_their_values() -> None:
    secrets = AccountSecrets(
        uid="0" * 32,
        username="jane@example.com",
        password=PASSWORD,
        li_at="AQEDAR-li-at-value",
        sealed_state=b"gAAAA-sealed",
        identity=Identity(proxy="http://user:proxy-pass@proxy:8080"),
        status="active",
    )
    shown = repr(secrets)
    for value in (PASSWORD, "AQEDAR-li-at-value", "gAAAA-sealed", "proxy-pass"):
        assert value not in shown
    assert "jane@example.com" in shown
    assert "hidden" in repr(SecretBox(b"A" * 43 + b"="))


def _race(data_dir: str, queue: multiprocessing.Queue[list[str]]) -> None:
    keys, _ = load_or_create_api_keys(Path(data_dir), None)
    queue.put(keys)


def test_processes_starting_at_once_agree_on_one_non_empty_key(tmp_path: Path) -> None:
    for attempt in range(5):
        data_dir = tmp_path / f"d{attempt}"
        data_dir.mkdir()
        queue: multiprocessing.Queue[list[str]] = multiprocessing.Queue()
        procs = [
            multiprocessing.Process(target=_race, args=(str(data_dir), queue)) for _ in range(4)
        ]
        for proc in procs:
            proc.start()
        seen = [queue.get(timeout=30) for _ in procs]
        for proc in procs:
            proc.join()
        assert all(keys == seen[0] and keys[0] for keys in seen), seen
        assert stat.S_IMODE((data_dir / "api_key").stat().st_mode) == 0o600


def test_an_empty_key_file_is_refused(settings: Settings) -> None:
    settings.api_keys = None
    settings.data_dir.mkdir(exist_ok=True)
    (settings.data_dir / "api_key").write_text("\n")
    with pytest.raises(KeyFileError, match="empty"):
        build_context(settings)


def test_a_lost_secret_key_is_not_silently_replaced(settings: Settings) -> None:
    ctx = build_context(settings)
    from openoutreach_server.accounts import create
    from openoutreach_server.schemas import AccountCreate

    create(ctx, AccountCreate(handle="jane", username="j@example.com", password=PASSWORD))
    ctx.store.dispose()
    (settings.data_dir / "secret.key").unlink()
    with pytest.raises(KeyFileError, match="missing"):
        build_context(settings)
    assert not (settings.data_dir / "secret.key").exists()  # nothing half-made is left
    settings.secret_key = SecretStr("A" * 43 + "=")
    with pytest.raises(KeyFileError, match="cannot decrypt"):
        build_context(settings)


def test_data_dir_and_its_files_are_private_on_every_start(settings: Settings) -> None:
    ctx = build_context(settings)
    ctx.store.dispose()
    data = settings.data_dir
    data.chmod(0o755)
    (data / "openoutreach.db").chmod(0o644)
    build_context(settings).store.dispose()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for entry in data.iterdir():
        mode = stat.S_IMODE(entry.stat().st_mode)
        assert not mode & 0o077, (entry.name, oct(mode))


def test_api_key_cli_refuses_to_mint_a_key_where_no_server_runs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OO_")}
    cmd = [sys.executable, "-m", "openoutreach_server", "api-key"]
    empty = tmp_path / "elsewhere"
    refused = subprocess.run(
        [*cmd, "--data-dir", str(empty)], env=env, capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert str(empty.resolve()) in refused.stderr and "--create" in refused.stderr
    assert not (empty / "api_key").exists()
    made = subprocess.run(
        [*cmd, "--data-dir", str(empty), "--create"], env=env, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("oo_") and (empty / "api_key").read_text().strip() == key
    again = subprocess.run(
        [*cmd, "--data-dir", str(empty)], env=env, capture_output=True, text=True
    )
    assert again.stdout.strip() == key
