"""Command line: serve, worker, api-key, sim, campaigns."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from loguru import logger

from openoutreach_server.config import Settings
from openoutreach_server.logs import configure_logging

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


def _settings(**overrides: Any) -> Settings:
    """Environment first, then the flags that were given."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


DataDir = Annotated[Path | None, typer.Option(help="Overrides OO_DATA_DIR.")]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (OO_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (OO_PORT).")] = None,
    data_dir: DataDir = None,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Serve the API only; run `worker` elsewhere.")
    ] = False,
) -> None:
    """Start the HTTP API and, unless --no-worker, the executor."""
    from openoutreach_server.main import create_app

    settings = _settings(host=host, port=port, data_dir=data_dir)
    configure_logging(settings)
    api = create_app(settings, worker=not no_worker)
    logger.info(
        "data dir {}; API on http://{}:{}{}",
        settings.data_dir.resolve(),
        settings.host,
        settings.port,
        "" if no_worker else " (with a worker)",
    )
    uvicorn.run(
        api,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,  # our own log lines say what happened to each run
        timeout_graceful_shutdown=int(settings.shutdown_grace_s) + 5,
    )


@app.command()
def worker(data_dir: DataDir = None) -> None:
    """Run only the executor (several may share one database)."""
    from openoutreach_server.worker import run_worker

    settings = _settings(data_dir=data_dir)
    configure_logging(settings)
    asyncio.run(run_worker(settings))


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Bring the database's schema to this build's revision (serve and worker also do it on
    start; run it once before starting several processes of a new release)."""
    from openoutreach_server.datadir import secure_data_dir
    from openoutreach_server.store.migrate import migrate as run_migrations

    settings = _settings(data_dir=data_dir)
    configure_logging(settings)
    if not settings.database_url:
        secure_data_dir(settings.data_dir)
    before, after = run_migrations(settings.db_url)
    if before == after:
        typer.echo(f"schema at revision {after}: nothing to do")
    else:
        typer.echo(f"schema migrated from {before or 'empty'} to revision {after}")


@app.command("api-key")
def api_key(
    data_dir: DataDir = None,
    create: Annotated[
        bool, typer.Option("--create", help="Make a key even where no database exists yet.")
    ] = False,
) -> None:
    """Print the API key clients must send as X-API-Key (the server makes it on first start)."""
    from openoutreach_server.crypto import load_api_keys, load_or_create_api_keys
    from openoutreach_server.datadir import secure_data_dir

    settings = _settings(data_dir=data_dir)
    configured = settings.api_keys.get_secret_value() if settings.api_keys else None
    keys = load_api_keys(settings.data_dir, configured)
    if not keys:
        where = settings.data_dir.resolve()
        if not (create or settings.database_url or (where / "openoutreach.db").exists()):
            # A key minted in the wrong directory would only ever get 401s.
            typer.echo(
                f"no openoutreach-server data in {where}: run this where the server runs"
                " (or set OO_DATA_DIR / --data-dir), or pass --create to make a key here",
                err=True,
            )
            raise typer.Exit(2)
        secure_data_dir(settings.data_dir)
        keys, _ = load_or_create_api_keys(settings.data_dir, configured)
    for key in keys:
        typer.echo(key)


@app.command()
def login(
    handle: Annotated[str, typer.Argument(help="The account's handle.")],
    headed: Annotated[
        bool, typer.Option("--headed/--headless", help="Show the browser (needs a display).")
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the feed.")] = 600,
    data_dir: DataDir = None,
) -> None:
    """Open the account in a visible browser; once you reach the feed, the session is saved."""
    from openoutreach_server.dispatch.interactive import NoDisplay, interactive_login
    from openoutreach_server.runtime import build_context

    settings = _settings(data_dir=data_dir)
    configure_logging(settings)
    ctx = build_context(settings)
    try:
        status = asyncio.run(interactive_login(ctx, handle, headless=not headed, timeout_s=timeout))
    except NoDisplay as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    except LookupError as exc:
        typer.echo(f"no account {handle!r}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{handle}: {status}")
    raise typer.Exit(0 if status == "active" else 1)


@app.command()
def sim(
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8765,
) -> None:
    """Run the LinkedIn simulator, to try the server without a LinkedIn account."""
    from linkedin_sim.server import serve as serve_sim

    typer.echo(f"LinkedIn simulator on http://{host}:{port} (set OO_LINKEDIN_BASE_URL to it)")
    serve_sim(host, port)


accounts_app = typer.Typer(no_args_is_help=True, help="Accounts in bulk.")
app.add_typer(accounts_app, name="accounts")


@accounts_app.command("import")
def accounts_import(
    file: Annotated[
        Path, typer.Argument(help="YAML with an `accounts:` list (assets/accounts.example.yaml).")
    ],
    apply: Annotated[
        bool, typer.Option("--apply", help="Write them, in one transaction (default: dry run).")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Create or update accounts from a YAML file: a dry run that writes nothing unless --apply.

    Exit codes: 0 done, 1 invalid entries (nothing written), 2 file unreadable.
    """
    from openoutreach_server.account_import import run

    settings = _settings(data_dir=data_dir)
    raise typer.Exit(run(settings, file, write=apply, echo=typer.echo))


# Campaigns (Temporal) are a client of the server: their package is imported only when one
# of these commands runs.
campaign_app = typer.Typer(
    no_args_is_help=True,
    help="Multi-step campaigns on Temporal (settings: OO_CAMPAIGN_* or the flags).",
)
app.add_typer(campaign_app, name="campaign")

TemporalAddress = Annotated[
    str | None, typer.Option(help="Temporal frontend (OO_CAMPAIGN_TEMPORAL_ADDRESS).")
]
Namespace = Annotated[str | None, typer.Option(help="Temporal namespace (OO_CAMPAIGN_NAMESPACE).")]
TaskQueue = Annotated[str | None, typer.Option(help="Task queue (OO_CAMPAIGN_TASK_QUEUE).")]
CampaignId = Annotated[str, typer.Argument(help="The campaign's id.")]


def _campaign_settings(**overrides: Any) -> Any:
    from campaigns.cli import settings_from

    return settings_from(**overrides)


@campaign_app.command("validate")
def campaign_validate(
    definition: Annotated[Path, typer.Option(help="The flow JSON.")],
    leads: Annotated[Path | None, typer.Option(help="The leads CSV.")] = None,
) -> None:
    """Check a flow (and a leads file against its texts) without starting anything."""
    from campaigns.cli import validate

    raise typer.Exit(validate(definition, leads, typer.echo))


@campaign_app.command("start")
def campaign_start(
    definition: Annotated[Path, typer.Option(help="The flow JSON (assets/campaign.example.json).")],
    leads: Annotated[Path, typer.Option(help="The leads CSV (assets/leads.example.csv).")],
    account: Annotated[
        str, typer.Option(help="The account's handle (a lead's `account` column wins).")
    ],
    campaign_id: Annotated[
        str | None, typer.Option(help="Default: derived from the flow, leads and account.")
    ] = None,
    max_concurrent: Annotated[
        int | None, typer.Option(help="Leads in flight at once (100).")
    ] = None,
    stagger: Annotated[str | None, typer.Option(help="Between two lead starts (30s).")] = None,
    heartbeat: Annotated[
        str | None, typer.Option(help="A dead worker's touchpoints move on after this (60s).")
    ] = None,
    temporal_address: TemporalAddress = None,
    namespace: Namespace = None,
    task_queue: TaskQueue = None,
) -> None:
    """Check the flow and the leads, then start the campaign."""
    from campaigns.cli import start

    settings = _campaign_settings(
        temporal_address=temporal_address, namespace=namespace, task_queue=task_queue
    )
    code = start(
        settings,
        definition,
        leads,
        account,
        typer.echo,
        campaign_id=campaign_id,
        max_concurrent=max_concurrent,
        stagger=stagger,
        heartbeat=heartbeat,
    )
    raise typer.Exit(code)


@campaign_app.command("status")
def campaign_status(
    campaign_id: CampaignId,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    temporal_address: TemporalAddress = None,
    namespace: Namespace = None,
) -> None:
    """Counts per step and per outcome, running and pending leads, held accounts."""
    from campaigns.cli import status

    settings = _campaign_settings(temporal_address=temporal_address, namespace=namespace)
    raise typer.Exit(status(settings, campaign_id, typer.echo, as_json=as_json))


def _steer(
    what: str, campaign_id: str, temporal_address: str | None, namespace: str | None
) -> None:
    from campaigns.cli import steer

    settings = _campaign_settings(temporal_address=temporal_address, namespace=namespace)
    raise typer.Exit(steer(settings, campaign_id, what, typer.echo))


@campaign_app.command("pause")
def campaign_pause(
    campaign_id: CampaignId, temporal_address: TemporalAddress = None, namespace: Namespace = None
) -> None:
    """Start no more leads; running leads hold before their next step."""
    _steer("pause", campaign_id, temporal_address, namespace)


@campaign_app.command("resume")
def campaign_resume(
    campaign_id: CampaignId, temporal_address: TemporalAddress = None, namespace: Namespace = None
) -> None:
    """Undo a pause and release every held account."""
    _steer("resume", campaign_id, temporal_address, namespace)


@campaign_app.command("stop")
def campaign_stop(
    campaign_id: CampaignId, temporal_address: TemporalAddress = None, namespace: Namespace = None
) -> None:
    """Start no more leads; running leads end now (their queued runs are canceled)."""
    _steer("stop", campaign_id, temporal_address, namespace)


@app.command("campaign-worker")
def campaign_worker(
    server_url: Annotated[
        str | None, typer.Option(help="openoutreach-server (OO_CAMPAIGN_SERVER_URL).")
    ] = None,
    api_key: Annotated[str | None, typer.Option(help="Its API key (OO_CAMPAIGN_API_KEY).")] = None,
    state_dir: Annotated[
        Path | None, typer.Option(help="The event cursor's directory (OO_CAMPAIGN_STATE_DIR).")
    ] = None,
    no_pump: Annotated[
        bool, typer.Option("--no-pump", help="Do not follow the server's events here.")
    ] = False,
    temporal_address: TemporalAddress = None,
    namespace: Namespace = None,
    task_queue: TaskQueue = None,
) -> None:
    """Run the campaign workflows and activities (a Temporal worker) and the event pump."""
    from campaigns.cli import worker as run_campaign_worker

    settings = _campaign_settings(
        server_url=server_url,
        api_key=api_key,
        state_dir=state_dir,
        temporal_address=temporal_address,
        namespace=namespace,
        task_queue=task_queue,
    )
    raise typer.Exit(run_campaign_worker(settings, typer.echo, pump=not no_pump))
