"""The campaign side's settings: environment variables with the prefix `OO_CAMPAIGN_`
(CLI flags override them)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class CampaignSettings(BaseSettings):
    """Where Temporal and the server are, and how the worker behaves."""

    model_config = SettingsConfigDict(env_prefix="OO_CAMPAIGN_", extra="ignore")

    temporal_address: str = Field(default="localhost:7233", description="Temporal frontend.")
    namespace: str = Field(default="default", description="Temporal namespace.")
    task_queue: str = Field(default="openoutreach-campaigns", description="Temporal task queue.")
    server_url: str = Field(default="http://127.0.0.1:8000", description="openoutreach-server.")
    api_key: SecretStr | None = Field(default=None, description="The server's API key.")
    state_dir: Path = Field(
        default=Path("./data/campaigns"), description="The event pump's cursor file lives here."
    )
    alert_url: str | None = Field(default=None, description="POST account alerts here too.")
    event_wait_s: float = Field(default=30.0, gt=0, le=300, description="Event long-poll.")
    max_activities: int = Field(
        default=1000, ge=1, description="Touchpoint activities one worker waits on at once."
    )
    max_cached_workflows: int = Field(
        default=10_000, ge=0, description="Workflows one worker keeps in memory."
    )

    def require_api_key(self) -> str:
        """The API key, or a clear error saying how to set it."""
        if self.api_key is None or not self.api_key.get_secret_value():
            raise ValueError(
                "no API key for the server: set OO_CAMPAIGN_API_KEY (e.g."
                " `export OO_CAMPAIGN_API_KEY=$(openoutreach-server api-key)`) or pass --api-key"
            )
        return self.api_key.get_secret_value()
