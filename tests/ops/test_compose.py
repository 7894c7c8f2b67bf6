"""The container files, checked without Docker: compose services, profiles, health checks,
volumes, settings, secrets, and the Dockerfile's user, health check and commands.

No Docker engine runs where these tests run, so `docker compose config` is not part of them:
they parse the files with PyYAML and compare them with the code (Settings, the CLI).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from openoutreach_server.cli import app
from openoutreach_server.config import Settings

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / "local.yml"
PRODUCTION = ROOT / "compose" / "production.yml"
ENV_EXAMPLE = ROOT / "compose" / "production.env.example"
DOCKERFILE = ROOT / "compose" / "Dockerfile"
ACCOUNTS_EXAMPLE = ROOT / "assets" / "accounts.example.yaml"
COMMITTED = (LOCAL, PRODUCTION, ENV_EXAMPLE, DOCKERFILE, ROOT / ".dockerignore")

# `migrate` comes with the PostgreSQL branch; allowed here only until the CLI has it.
PENDING_COMMANDS = frozenset({"migrate"})
ONE_SHOT = "service_completed_successfully"


def compose(path: Path) -> dict[str, Any]:
    """A compose file as PyYAML reads it (anchors and `<<` merges resolved)."""
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict) and isinstance(data.get("services"), dict), path
    return data


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's `environment`, as a mapping whichever form it was written in."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def command(service: dict[str, Any]) -> list[str]:
    """A service's command as a list of words."""
    cmd = service.get("command") or []
    return shlex.split(cmd) if isinstance(cmd, str) else [str(word) for word in cmd]


def cli() -> Any:
    """The typer app as a (typer-vendored) click group: `.commands`, each with `.params`."""
    group = typer.main.get_command(app)
    assert isinstance(getattr(group, "commands", None), dict)
    return group


def ours(service: dict[str, Any]) -> bool:
    """Whether the service runs this project's image (built from compose/Dockerfile)."""
    build = service.get("build") or {}
    return isinstance(build, dict) and build.get("dockerfile") == "compose/Dockerfile"


def one_shot(name: str, file: dict[str, Any]) -> bool:
    """A service that runs once to completion: not restarted, and awaited by others."""
    service = file["services"][name]
    awaited = any(
        isinstance(other.get("depends_on"), dict)
        and (other["depends_on"].get(name) or {}).get("condition") == ONE_SHOT
        for other in file["services"].values()
    )
    return str(service.get("restart", "no")) == "no" and awaited


# --- secrets -------------------------------------------------------------------------------

_SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_KEYS?|LI_AT|PRIVATE_KEY)$", re.I)
_PLACEHOLDER = re.compile(
    r"^$|^\$\{[A-Za-z_][A-Za-z0-9_]*(:?[?-][^}]*)?\}$|^<[^>]*>$|change-?me|\.\.\.", re.I
)
_SECRET_SHAPES = (
    re.compile(r"\b[A-Za-z0-9_-]{43}="),  # a Fernet key
    re.compile(r"\boo_[A-Za-z0-9_-]{20,}"),  # a generated API key
    re.compile(r"\bAQED[A-Za-z0-9_-]{20,}"),  # a LinkedIn li_at cookie
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
)
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^:/@\s]+:(\$\{[^}]*\}|[^@\s]+)@", re.I)


def secret_findings(text: str) -> list[str]:
    """Values in `text` that look like real secrets rather than placeholders or references."""
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        match = re.match(r"^-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*[:=]\s*(.*)$", stripped)
        if match and _SECRET_NAME.search(match.group(1)):
            value = match.group(2).strip().strip("\"'")
            if not _PLACEHOLDER.search(value):
                found.append(line)
        for url in _URL_PASSWORD.finditer(stripped):
            if not _PLACEHOLDER.search(url.group(1)):
                found.append(line)
        found.extend(line for shape in _SECRET_SHAPES if shape.search(stripped))
    return found


def test_the_secret_check_would_catch_a_committed_secret() -> None:
    """The check below is only worth something if it flags real-looking values."""
    planted = [
        "POSTGRES_PASSWORD=hunter2hunter2",
        "OO_SECRET_KEY=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=",
        '  OO_DATABASE_URL: "postgresql://openoutreach:s3cret@postgres:5432/db"',
        "    password: correct-horse",
        "    li_at: AQEDARabcdefghijklmnopqrstuvwxyz",
    ]
    for line in planted:
        assert secret_findings(line), line
    harmless = [
        "POSTGRES_PASSWORD=",
        "OO_SECRET_KEY=<paste a key>",
        '  OO_DATABASE_URL: "postgresql://openoutreach:${POSTGRES_PASSWORD:?set it}@postgres/db"',
        "    password: ${JANE_PASSWORD}",
        "# OO_API_KEYS=whatever, in a comment",
    ]
    for line in harmless:
        assert not secret_findings(line), line


@pytest.mark.parametrize("path", [*COMMITTED, ACCOUNTS_EXAMPLE], ids=lambda p: p.name)
def test_no_secret_is_committed(path: Path) -> None:
    assert secret_findings(path.read_text()) == []


def test_the_real_env_file_is_git_ignored() -> None:
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "compose/production.env" in ignored
    assert ENV_EXAMPLE.exists()
    # And it never reaches an image: the build context is an allow-list without compose/.
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()]
    assert "*" in patterns and not any(p.startswith("!compose") for p in patterns)


# --- settings ------------------------------------------------------------------------------


def setting_names() -> set[str]:
    prefix = str(Settings.model_config.get("env_prefix", ""))
    return {f"{prefix}{name}".upper() for name in Settings.model_fields}


def test_database_url_and_worker_host_are_settings() -> None:
    assert {"OO_DATABASE_URL", "OO_WORKER_HOST"} <= setting_names()


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_every_oo_variable_is_a_real_setting(path: Path) -> None:
    used = set(re.findall(r"\bOO_[A-Z0-9_]+\b", path.read_text()))
    assert used - setting_names() == set()


# --- local.yml -----------------------------------------------------------------------------


def test_local_runs_the_server_alone_by_default() -> None:
    file = compose(LOCAL)
    default = {n for n, s in file["services"].items() if not s.get("profiles")}
    assert default == {"server"}
    server = file["services"]["server"]
    assert command(server) == ["serve"]
    assert "OO_LINKEDIN_BASE_URL" not in environment(server)  # LinkedIn itself
    assert any(str(p).endswith(":8000:8000") or str(p) == "8000:8000" for p in server["ports"])
    assert "OO_DATABASE_URL" not in environment(server)  # SQLite in /data


def test_local_sim_profile_runs_a_server_against_the_simulator() -> None:
    services = compose(LOCAL)["services"]
    sim = services["sim"]
    assert sim["profiles"] == ["sim"]
    assert command(sim) == ["sim", "--host", "0.0.0.0", "--port", "8765"]
    wired = [
        s for s in services.values() if s.get("profiles") == ["sim"] and command(s)[:1] == ["serve"]
    ]
    assert len(wired) == 1
    env = environment(wired[0])
    assert env["OO_LINKEDIN_BASE_URL"] == "http://sim:8765"
    assert env["OO_PACE"] == "fast"
    assert wired[0]["depends_on"]["sim"]["condition"] == "service_healthy"
    # Its own data: accounts made against the simulator never meet real ones.
    assert wired[0]["volumes"] != services["server"]["volumes"]


# --- production.yml ------------------------------------------------------------------------


def test_production_services() -> None:
    services = compose(PRODUCTION)["services"]
    assert command(services["api"]) == ["serve", "--no-worker"]
    assert command(services["migrate"]) == ["migrate"]
    assert services["postgres"]["image"] == "postgres:16"
    workers = {n: s for n, s in services.items() if command(s) == ["worker"]}
    assert len(workers) >= 2
    hosts = [environment(s)["OO_WORKER_HOST"] for s in workers.values()]
    assert len(set(hosts)) == len(hosts)
    for name, worker in workers.items():
        assert environment(worker)["OO_WORKER_HOST"] == worker["hostname"] == name


def test_production_servers_use_postgres_after_the_migration() -> None:
    services = compose(PRODUCTION)["services"]
    servers = {n: s for n, s in services.items() if ours(s)}
    assert set(servers) >= {"api", "migrate", "worker-1", "worker-2"}
    for name, service in servers.items():
        url = environment(service)["OO_DATABASE_URL"]
        assert re.match(
            r"^postgresql://openoutreach:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432/", url
        )
        assert service["env_file"] == ["production.env"]  # resolved next to the compose file
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        if name != "migrate":
            assert service["depends_on"]["migrate"]["condition"] == ONE_SHOT
            assert service["restart"] == "unless-stopped"
    assert services["postgres"]["restart"] == "unless-stopped"
    assert environment(services["postgres"])["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )


def test_postgres_is_health_checked_with_pg_isready() -> None:
    postgres = compose(PRODUCTION)["services"]["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert "pgdata:/var/lib/postgresql/data" in postgres["volumes"]


@pytest.mark.parametrize("path", [LOCAL, PRODUCTION], ids=lambda p: p.name)
def test_every_service_is_health_checked_or_one_shot(path: Path) -> None:
    file = compose(path)
    for name, service in file["services"].items():
        check = service.get("healthcheck") or {}
        if check.get("disable") or not check:
            assert one_shot(name, file), f"{name} has no health check and is not a one-shot"
            continue
        test = check["test"]
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, name
        if test[0] == "CMD" and test[1] == "python":
            compile(test[3], f"{name} health check", "exec")  # the one-liner is valid Python


@pytest.mark.parametrize("path", [LOCAL, PRODUCTION], ids=lambda p: p.name)
def test_data_volumes_are_declared_and_mounted_at_data(path: Path) -> None:
    file = compose(path)
    declared = set(file.get("volumes") or {})
    mounted: set[str] = set()
    for name, service in file["services"].items():
        mounts = [str(m).split(":") for m in service.get("volumes") or []]
        named = {m[0] for m in mounts if len(m) >= 2 and not m[0].startswith((".", "/"))}
        assert named <= declared, f"{name} mounts undeclared volumes {named - declared}"
        mounted |= named
        if ours(service) and command(service)[:1] != ["sim"]:
            assert any(m[1] == "/data" and m[0] in declared for m in mounts if len(m) >= 2), name
    assert declared == mounted, "a declared volume is not used"


@pytest.mark.parametrize("path", [LOCAL, PRODUCTION], ids=lambda p: p.name)
def test_commands_are_real_cli_commands_and_options(path: Path) -> None:
    group = cli()
    for name, service in compose(path)["services"].items():
        if not ours(service):
            continue
        words = command(service)
        if words[0] in PENDING_COMMANDS and words[0] not in group.commands:
            continue
        assert words[0] in group.commands, f"{name}: no CLI command {words[0]!r}"
        options = {opt for p in group.commands[words[0]].params for opt in p.opts}
        for word in words[1:]:
            if word.startswith("--"):
                assert word in options, f"{name}: {words[0]} has no option {word}"


@pytest.mark.parametrize("path", [LOCAL, PRODUCTION], ids=lambda p: p.name)
def test_docker_waits_for_the_shutdown_grace_period(path: Path) -> None:
    """Docker's SIGKILL must not come before running runs had their grace period."""
    grace = Settings().shutdown_grace_s
    for name, service in compose(path)["services"].items():
        if ours(service) and command(service)[:1] in (["serve"], ["worker"]):
            period = str(service["stop_grace_period"])
            assert period.endswith("s") and float(period[:-1]) > grace, name


# --- Dockerfile ----------------------------------------------------------------------------


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def only(name: str) -> str:
    found = [args for word, args in instructions() if word == name]
    assert len(found) >= 1, f"no {name}"
    return found[-1]  # the last one is in force


def test_dockerfile_base_chromium_and_fonts() -> None:
    assert re.match(r"^(python:3\.1[1-9]-slim-bookworm|debian:bookworm-slim)\b", only("FROM"))
    runs = " ".join(args for word, args in instructions() if word == "RUN")
    install = re.search(r"apt-get install ([^&]*)", runs)
    assert install is not None
    packages = set(install.group(1).split())
    assert {"chromium", "fonts-liberation", "fonts-noto-color-emoji"} <= packages
    assert "pip install ." in runs and "[dev]" not in runs  # runtime dependencies only


def test_dockerfile_settings() -> None:
    env = " ".join(args for word, args in instructions() if word == "ENV")
    for pair in ("OO_DATA_DIR=/data", "OO_HOST=0.0.0.0", "OO_CHROMIUM_PATH=/usr/bin/chromium"):
        assert pair in env.split()
    assert json.loads(only("VOLUME")) == ["/data"]
    assert only("EXPOSE") == "8000"


def test_dockerfile_runs_as_a_non_root_user_owning_data() -> None:
    user = only("USER").split(":")[0]
    assert user not in ("root", "0", "")
    runs = " ".join(args for word, args in instructions() if word == "RUN")
    assert re.search(rf"useradd .*--uid {user}\b", runs)
    assert f"chown {user}:{user} /data" in runs
    assert [word for word, _ in instructions()].index("USER") > max(
        i for i, (word, _) in enumerate(instructions()) if word == "RUN"
    )


def test_dockerfile_health_check_calls_health() -> None:
    check = only("HEALTHCHECK")
    exec_form = json.loads(check[check.index("CMD") + 3 :].strip())
    assert exec_form[:2] == ["python", "-c"]
    assert "/health" in exec_form[2]
    compile(exec_form[2], "HEALTHCHECK", "exec")


def test_dockerfile_entrypoint_and_cmd_are_real_commands() -> None:
    entrypoint = json.loads(only("ENTRYPOINT"))
    assert entrypoint[-1] == "openoutreach-server"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'openoutreach-server = "openoutreach_server.cli:app"' in pyproject
    cmd = json.loads(only("CMD"))
    assert cmd[0] in cli().commands


def test_dockerfile_copies_what_the_build_context_lets_in() -> None:
    allowed = {
        p.strip()[1:]
        for p in (ROOT / ".dockerignore").read_text().splitlines()
        if p.startswith("!")
    }
    copied = set()
    for word, args in instructions():
        if word == "COPY":
            copied |= set(args.split()[:-1])
    assert copied and copied <= allowed
    for path in copied:
        assert (ROOT / path).exists(), path
