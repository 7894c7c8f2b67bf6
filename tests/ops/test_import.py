"""`openoutreach-server accounts import FILE [--apply]` against real SQLite files: a dry run
writes nothing, --apply writes every account in one transaction (secrets sealed) or none,
a re-import is unchanged, `${VAR}`s come from the environment, and no secret is printed."""

from __future__ import annotations

import sqlite3
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from openoutreach_server import account_import, accounts
from openoutreach_server.cli import app
from openoutreach_server.config import Settings
from openoutreach_server.context import ServerContext
from openoutreach_server.runtime import build_context
from openoutreach_server.schemas import AccountCreate
from openoutreach_server.store.records import AccountRecord

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "JANE_PASSWORD": "jane-pw-Zq7!secret",
    "SAM_LI_AT": "AQEDARsam-cookie-value-0123456789",
    "OPS_PASSWORD": "ops-pw-Kx9#secret",
    "OPS_PROXY_URL": "http://proxyuser:proxy-pw-Yw3@proxy.example.com:3128",
}

THREE = """\
accounts:
  - handle: jane
    display_name: Jane Doe
    username: jane@example.com
    password: ${JANE_PASSWORD}
    timezone: Europe/Paris
  - handle: sam
    li_at: ${SAM_LI_AT}
  - handle: ops-bot
    username: ops@example.com
    password: ${OPS_PASSWORD}
    proxy: ${OPS_PROXY_URL}
    timezone: Europe/Berlin
    working_hours:
      - days: [mon, tue, wed, thu, fri]
        start: 09:00
        end: 17:30
    quotas:
      connect: {day: 25, week: 100}
"""


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The secrets the example files reference, in the environment."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return SECRETS


def write(tmp_path: Path, text: str, name: str = "accounts.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def run(data_dir: Path, path: Path, *args: str) -> tuple[int, str]:
    """The real command, in process; its exit code and everything it printed."""
    result = CliRunner().invoke(
        app, ["accounts", "import", str(path), "--data-dir", str(data_dir), *args]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def rows(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The accounts table, read straight from the SQLite file."""
    db = data_dir / "openoutreach.db"
    if not db.exists():
        return {}
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {r["handle"]: dict(r) for r in conn.execute("SELECT * FROM accounts")}


def raw_bytes(data_dir: Path) -> bytes:
    """Every byte SQLite wrote (the database file and its WAL)."""
    return b"".join(p.read_bytes() for p in data_dir.glob("openoutreach.db*"))


@pytest.fixture
def ctx(data_dir: Path) -> Iterator[ServerContext]:
    """The server's view of the same data dir (to open sealed secrets, make accounts)."""
    context = build_context(Settings(data_dir=data_dir))
    yield context
    context.store.dispose()


def assert_no_secret(output: str) -> None:
    for value in SECRETS.values():
        assert value not in output
    for fragment in ("proxy-pw", "jane-pw", "ops-pw", "sam-cookie", "hunter2"):
        assert fragment not in output


def test_dry_run_without_a_database_creates_nothing(
    tmp_path: Path, data_dir: Path, env: dict[str, str]
) -> None:
    code, out = run(data_dir, write(tmp_path, THREE))
    assert code == 0, out
    assert "create     jane (fields: display_name, username, password: set, timezone)" in out
    assert "create     sam (fields: li_at: set)" in out
    assert "proxy: set" in out and "working_hours" in out and "quotas" in out
    assert "nothing written" in out
    assert list(data_dir.iterdir()) == []  # not even a database or a key
    assert_no_secret(out)


def test_dry_run_on_a_database_writes_nothing(
    tmp_path: Path, data_dir: Path, ctx: ServerContext, env: dict[str, str]
) -> None:
    accounts.create(ctx, AccountCreate(handle="sam", li_at="AQEDold-cookie-0123456789"))
    before = rows(data_dir)
    code, out = run(data_dir, write(tmp_path, THREE))
    assert code == 0, out
    assert "create     jane" in out and "update     sam (fields: li_at: set)" in out
    assert rows(data_dir) == before
    assert_no_secret(out)


def test_apply_writes_every_account_with_sealed_secrets(
    tmp_path: Path, data_dir: Path, env: dict[str, str]
) -> None:
    code, out = run(data_dir, write(tmp_path, THREE), "--apply")
    assert code == 0, out
    assert "written in one transaction: 3 create" in out
    stored = rows(data_dir)
    assert set(stored) == {"jane", "sam", "ops-bot"}
    assert {r["status"] for r in stored.values()} == {"needs_login"}
    assert stored["jane"]["username"] == "jane@example.com"
    assert stored["jane"]["display_name"] == "Jane Doe"
    assert stored["sam"]["timezone"] == "UTC"
    assert stored["ops-bot"]["timezone"] == "Europe/Berlin"
    # Unquoted 09:00 and 17:30 are times, not YAML 1.1's base-60 numbers.
    assert '"start":"09:00","end":"17:30"' in stored["ops-bot"]["working_hours"]
    assert stored["ops-bot"]["quotas"] == '{"connect":{"day":25,"week":100}}'
    # Sealed: no secret is in any byte of the database, yet the server can open each one.
    data = raw_bytes(data_dir)
    for value in SECRETS.values():
        assert value.encode() not in data
    assert b"proxy-pw" not in data
    context = build_context(Settings(data_dir=data_dir))
    try:
        jane = accounts.load_secrets(context, "jane")
        assert jane.password == SECRETS["JANE_PASSWORD"]
        assert accounts.load_secrets(context, "sam").li_at == SECRETS["SAM_LI_AT"]
        ops = accounts.load_secrets(context, "ops-bot")
        assert ops.identity.proxy == SECRETS["OPS_PROXY_URL"]
        assert ops.identity.timezone_id == "Europe/Berlin"
    finally:
        context.store.dispose()
    assert_no_secret(out)


def test_reimport_is_unchanged_and_writes_nothing(
    tmp_path: Path, data_dir: Path, env: dict[str, str]
) -> None:
    path = write(tmp_path, THREE)
    assert run(data_dir, path, "--apply")[0] == 0
    before = rows(data_dir)
    for args in ((), ("--apply",)):
        code, out = run(data_dir, path, *args)
        assert code == 0, out
        assert out.count("unchanged  ") == 3, out
        assert "3 unchanged" in out
        assert rows(data_dir) == before  # not even updated_at moved
        assert_no_secret(out)


def test_reimport_updates_only_what_changed(
    tmp_path: Path, data_dir: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, THREE)
    assert run(data_dir, path, "--apply")[0] == 0
    before = rows(data_dir)
    monkeypatch.setenv("JANE_PASSWORD", "jane-pw-rotated-secret")
    path.write_text(THREE.replace("connect: {day: 25, week: 100}", "connect: {day: 20}"))
    code, out = run(data_dir, path, "--apply")
    assert code == 0, out
    assert "update     jane (fields: password: set); credentials changed" in out
    assert "update     ops-bot (fields: quotas)" in out
    assert "unchanged  sam" in out
    after = rows(data_dir)
    assert after["sam"] == before["sam"]
    assert after["ops-bot"]["quotas"] == '{"connect":{"day":20}}'
    assert after["ops-bot"]["password_enc"] == before["ops-bot"]["password_enc"]
    assert after["jane"]["password_enc"] != before["jane"]["password_enc"]
    assert after["jane"]["session_epoch"] == before["jane"]["session_epoch"] + 1
    assert "jane-pw-rotated-secret" not in out


def test_an_invalid_entry_makes_apply_write_nothing(
    tmp_path: Path, data_dir: Path, ctx: ServerContext, env: dict[str, str]
) -> None:
    accounts.create(ctx, AccountCreate(handle="sam", li_at="AQEDold-cookie-0123456789"))
    before = rows(data_dir)
    bad = THREE + "  - handle: typo\n    username: t@example.com\n    pasword: hunter2\n"
    code, out = run(data_dir, write(tmp_path, bad), "--apply")
    assert code == 1, out
    assert "error      entry 4 (typo): unknown field 'pasword'" in out
    assert "nothing written" in out
    assert rows(data_dir) == before  # no create, and sam's update did not happen either
    assert_no_secret(out)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("  - {handle: Bad Handle}", "entry 1 (Bad Handle): handle: String should match"),
        ("  - {handle: 123, li_at: a}", "entry 1: handle: Input should be a valid string"),
        ("  - {li_at: a}", "entry 1: handle: Field required"),
        ("  - {handle: x, password: hunter2}", "entry 1 (x): password: a password needs a"),
        ("  - {handle: x, username: a@b.c, password: 12345}", "password: Input should be a"),
        ("  - {handle: x, timezone: Mars/Olympus}", "timezone: must be an IANA timezone"),
        ("  - {handle: x, quotas: {conect: {day: 1}}}", "entry 1 (x): quotas.conect: Input"),
        ("  - handle: x\n    working_hours: [{days: [mon], start: 10:00, end: 09:00}]", "end"),
        ("  - [handle, x]", "entry 1: must be a mapping of account fields"),
        ("  - {handle: x, li_at: '${NOT_SET_ANYWHERE}'}", "li_at: environment variable"),
        ("  - {handle: x, li_at: a}\n  - {handle: x, li_at: b}", "entry 2 (x): handle 'x' is"),
    ],
)
def test_invalid_entries_are_named_and_nothing_is_written(
    tmp_path: Path, data_dir: Path, entry: str, message: str
) -> None:
    path = write(tmp_path, "accounts:\n" + entry + "\n")
    code, out = run(data_dir, path, "--apply")
    assert code == 1, out
    assert message in out
    assert rows(data_dir) == {}
    assert_no_secret(out)


def test_a_password_for_a_stored_account_without_username_is_refused(
    tmp_path: Path, data_dir: Path, ctx: ServerContext
) -> None:
    accounts.create(ctx, AccountCreate(handle="sam", li_at="AQEDold-cookie-0123456789"))
    path = write(tmp_path, "accounts:\n  - {handle: sam, password: hunter2}\n")
    code, out = run(data_dir, path, "--apply")
    assert code == 1, out
    assert "entry 1 (sam): password: a password needs a username" in out
    assert rows(data_dir)["sam"]["password_enc"] is None
    assert_no_secret(out)


def test_env_references_are_expanded(
    tmp_path: Path, data_dir: Path, ctx: ServerContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAM_LI_AT", SECRETS["SAM_LI_AT"])
    monkeypatch.setenv("SAM_NAME", "Sam")
    text = """\
    accounts:
      - handle: sam
        display_name: ${SAM_NAME} $${NOT_EXPANDED} $HOME
        li_at: ${SAM_LI_AT}
    """
    code, out = run(data_dir, write(tmp_path, text), "--apply")
    assert code == 0, out
    assert rows(data_dir)["sam"]["display_name"] == "Sam ${NOT_EXPANDED} $HOME"
    assert accounts.load_secrets(ctx, "sam").li_at == SECRETS["SAM_LI_AT"]
    assert_no_secret(out)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "cannot read"),
        ("accounts:\n  - handle: x\n    password: 'hunter2\n", "not valid YAML at line"),
        ("accounts:\n  - {handle: x, password: hunter2\n", "not valid YAML at line"),
        ("- handle: x\n", "expected a mapping with an `accounts:` list"),
        ("accounts: []\nsecrets: {}\n", "unknown top-level key(s): secrets"),
    ],
)
def test_an_unreadable_file_exits_2(
    tmp_path: Path, data_dir: Path, text: str | None, message: str
) -> None:
    path = tmp_path / "accounts.yaml"
    if text is not None:
        path.write_text(text)
    code, out = run(data_dir, path, "--apply")
    assert code == 2, out
    assert message in out
    assert "hunter2" not in out  # the parser's snippet of the line is not shown
    assert rows(data_dir) == {}


def test_the_example_file_is_valid(data_dir: Path, env: dict[str, str]) -> None:
    path = ROOT / "assets" / "accounts.example.yaml"
    code, out = run(data_dir, path)
    assert code == 0, out
    lines = [line for line in out.splitlines() if line.startswith("create")]
    assert len(lines) == 3
    assert "password: set" in lines[0]
    assert "li_at: set" in lines[1]
    assert all(f in lines[2] for f in ("proxy: set", "timezone", "working_hours", "quotas"))
    assert "${" in path.read_text()  # references only
    assert_no_secret(out)


def test_the_store_writes_an_import_in_one_transaction(data_dir: Path, ctx: ServerContext) -> None:
    """A plan that fails half-way rolls back the accounts inserted before it."""
    body = AccountCreate(handle="first", username="f@example.com")
    values = accounts.new_values(ctx.box, body, ctx.clock.now())

    def fails(current: AccountRecord | None) -> dict[str, Any]:
        raise RuntimeError("second entry")

    with pytest.raises(RuntimeError):
        ctx.store.accounts.import_accounts({"first": lambda current: values, "second": fails})
    assert rows(data_dir) == {}
    done = ctx.store.accounts.import_accounts({"first": lambda current: values})
    assert done == {"first": "created"}
    assert rows(data_dir)["first"]["username"] == "f@example.com"


def test_apply_decides_again_inside_the_transaction(
    tmp_path: Path, data_dir: Path, ctx: ServerContext
) -> None:
    """An account made between the dry run and --apply is updated, not inserted twice."""
    path = write(tmp_path, "accounts:\n  - {handle: sam, li_at: AQEDnew-cookie-0123456789}\n")
    entries = account_import.read_file(path)
    now = ctx.clock.now()
    planned = account_import.plan(entries, {}, ctx.box, now)
    assert [o.action for o in planned] == ["create"]
    accounts.create(ctx, AccountCreate(handle="sam", li_at="AQEDold-cookie-0123456789"))
    done = account_import.apply(ctx.store.accounts.import_accounts, entries, ctx.box, now)
    assert [(o.action, o.fields) for o in done] == [("update", ("li_at: set",))]
    assert accounts.load_secrets(ctx, "sam").li_at == "AQEDnew-cookie-0123456789"
    assert len(rows(data_dir)) == 1
