"""Settings: the only place that reads the environment (prefix `OO_`)."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from openoutreach_server.safety import SafetySettings

# A Unix socket's path holds at most 107 bytes on Linux; the wake sockets add a channel
# subdirectory and a listener name ("schedules/s12345-a1b2c3.sock") to their directory.
_SOCKET_PATH_MAX = 107
_SOCKET_NAME_ROOM = 48


class Settings(BaseSettings):
    """Server configuration, read once at start-up and passed down (SPEC §2)."""

    model_config = SettingsConfigDict(env_prefix="OO_", extra="ignore")

    data_dir: Path = Field(default=Path("./data"), description="Database, keys, artifacts.")
    database_url: str | None = Field(
        default=None,
        description="sqlite:///... (default: $OO_DATA_DIR/openoutreach.db) or postgresql://...",
    )
    db_pool_size: int = Field(
        default=8, ge=1, le=100, description="PostgreSQL: connections per process."
    )
    worker_host: str = Field(
        default_factory=socket.gethostname,
        # What PUT /accounts/{handle}/home-host accepts: a host no account could be pinned
        # to is refused at start, not discovered when pinning.
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$",
        description="Name of this worker's host; keep it stable (accounts may be pinned to it).",
    )
    claim_unpinned: bool = Field(
        default=True, description="This host also runs accounts pinned to no host."
    )
    api_keys: SecretStr | None = Field(default=None, description="Comma-separated accepted keys.")
    secret_key: SecretStr | None = Field(default=None, description="Fernet key for secrets.")
    linkedin_base_url: str = "https://www.linkedin.com"
    pace: Literal["human", "fast"] = "human"
    headless: bool = True
    chromium_path: str = "auto"
    chromium_sandbox: Literal["auto"] | bool = Field(
        default="auto", description="Chromium's sandbox: auto = on unless running as root."
    )
    max_sessions: int = Field(default=8, ge=1, le=256)
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="whsec_... secret that signs deliveries to runs' callback_url"
        " (default: generated once, stored sealed; GET /webhooks/callback-secret).",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Allow webhook targets on loopback or private addresses (local use, tests).",
    )
    webhook_timeout_s: float = Field(
        default=15.0, gt=0, le=120, description="A webhook attempt without an answer fails."
    )
    webhook_disable_after_s: float = Field(
        default=3 * 86400.0, gt=0, description="An endpoint failing this long is disabled."
    )
    log_json: bool = False
    log_level: str = "INFO"

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    docs: bool = Field(default=True, description="Serve /docs and /openapi.json (need the key).")
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Larger request bodies are refused with 413."
    )

    lease_s: float = Field(default=60.0, gt=0, description="A running run's lease; renewed.")
    session_idle_ttl_s: float = Field(default=600.0, gt=0)
    session_recycle_runs: int = Field(default=50, ge=1)
    max_attempts: int = Field(default=3, ge=1, le=20)
    retry_base_s: float = Field(default=30.0, ge=0)
    shutdown_grace_s: float = Field(default=30.0, ge=0)
    run_timeout_s: float = Field(default=300.0, gt=0)
    trace: bool = Field(default=True, description="Keep a Playwright trace of failed runs.")
    live_view_timeout_s: float = Field(
        default=600.0, gt=0, description="The operator page's live browser view closes after this."
    )

    caps: bool = Field(default=True, description="Enforce per-touchpoint caps (SPEC §7).")
    warmup_days: float = Field(default=21.0, ge=0, description="Caps ramp up over this.")
    warmup_start: float = Field(default=0.25, gt=0, le=1, description="Share of caps on day 0.")
    gap_min_s: float = Field(default=45.0, ge=0, description="Human pace: min gap, seconds.")
    gap_max_s: float = Field(default=180.0, ge=0, description="Human pace: max gap, seconds.")
    cooldown_rate_limited_s: float = Field(default=6 * 3600.0, ge=0)
    cooldown_weekly_invite_s: float = Field(default=7 * 86400.0, ge=0)
    breaker_failures: int = Field(default=3, ge=1)

    def safety(self) -> SafetySettings:
        """The safety rules' settings; pacing gaps apply at human pace only."""
        human = self.pace == "human"
        return SafetySettings(
            caps_enabled=self.caps,
            warmup_days=self.warmup_days,
            warmup_start=self.warmup_start,
            gap_min_s=self.gap_min_s if human else 0.0,
            gap_max_s=max(self.gap_max_s, self.gap_min_s) if human else 0.0,
            cooldown_rate_limited_s=self.cooldown_rate_limited_s,
            cooldown_weekly_invite_s=self.cooldown_weekly_invite_s,
            breaker_failures=self.breaker_failures,
        )

    artifact_retention_days: float = Field(default=14.0, gt=0)
    artifact_max_bytes: int = Field(
        default=25 * 1024 * 1024, ge=1024, description="A larger artifact is not kept."
    )
    schedule_grace_s: float = Field(
        default=600.0, ge=0, description="A fire missed by more than this is skipped, not run."
    )
    schedule_min_interval_s: float = Field(
        default=60.0, ge=0, description="Schedules may not fire more often than this."
    )
    detection: bool = Field(
        default=True, description="Notice accepted invitations and replies on our own."
    )
    detection_interval_s: float = Field(
        default=1800.0, gt=0, description="How often an account's sent list and inbox are read."
    )

    @field_validator("webhook_secret")
    @classmethod
    def _whsec(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        text = value.get_secret_value()
        try:
            raw = base64.b64decode(text.removeprefix("whsec_") + "==", validate=True)
        except ValueError:
            raw = b""
        if not text.startswith("whsec_") or len(raw) < 24:
            raise ValueError("must be whsec_ and at least 24 random bytes in base64")
        return value

    @field_validator("linkedin_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @cached_property
    def db_url(self) -> str:
        """The effective database URL."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'openoutreach.db').resolve()}"

    @property
    def worker_stale_s(self) -> float:
        """A worker not heard of for this long is gone (heartbeats come every lease/3)."""
        return 3 * self.lease_s

    @property
    def artifacts_dir(self) -> Path:
        """Where failed runs keep their screenshot, HTML and trace."""
        return self.data_dir / "artifacts"

    @property
    def wake_dir(self) -> Path:
        """Unix sockets of running workers, poked on enqueue for cross-process wake-ups:
        `<data dir>/wake`, or, when that is too deep for a socket path, a private directory
        in the system's temp dir named after the data dir (the same for all its processes)."""
        data_dir = self.data_dir.resolve()
        own = data_dir / "wake"
        if len(os.fsencode(own)) + _SOCKET_NAME_ROOM <= _SOCKET_PATH_MAX:
            return own
        digest = hashlib.sha256(os.fsencode(data_dir)).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"oo-wake-{digest}"
