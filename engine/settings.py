"""Runtime configuration, read from ``CAIRN_*`` environment variables at the edges only."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Cairn settings.

    Defaults point into ``./data``: a SQLite database and a SQLite-backed MLflow store
    with a local artifact folder, so nothing has to be started by hand.
    """

    model_config = SettingsConfigDict(env_prefix="CAIRN_", extra="forbid")

    data_dir: Path = Path("data")
    database_url: str = ""
    mlflow_tracking_uri: str = ""
    mlflow_registry_uri: str = ""
    mlflow_artifact_dir: Path | None = None
    readiness_model_name: str = "cairn-readiness"
    injury_model_name: str = "cairn-injury"
    champion_alias: str = "champion"
    challenger_alias: str = "challenger"
    previous_champion_alias: str = "previous-champion"
    model_refresh_s: float = Field(default=5.0, ge=0.0, le=3600.0)  # API re-checks the champion
    risk_ceiling: float = Field(default=0.25, gt=0.0, le=1.0)
    readiness_floor: float = Field(default=35.0, ge=0.0, le=100.0)
    default_timezone: str = "UTC"  # IANA name; an athlete without a time zone uses it
    random_state: int = 42
    # Security and robustness (see docs/security.md and docs/operations.md).
    secret_key: SecretStr = SecretStr("")
    token_ttl_min: int = Field(default=60, ge=1, le=7 * 24 * 60)
    demo_mode: bool = False
    max_body_kb: int = Field(default=256, ge=1, le=100_000)
    max_upload_mb: float = Field(default=20.0, gt=0, le=1024)
    db_busy_timeout_ms: int = Field(default=5000, ge=0, le=600_000)
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    # Sign-in throttling: failures allowed per username / per client IP within the window.
    login_max_failures: int = Field(default=5, ge=1, le=1000)
    login_max_failures_per_ip: int = Field(default=20, ge=1, le=100_000)
    login_window_s: int = Field(default=900, ge=1, le=86_400)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("CAIRN_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(
                f"CAIRN_DEFAULT_TIMEZONE must be an IANA name like Europe/Oslo, got {value!r}"
            ) from err
        return value

    @field_validator("secret_key")
    @classmethod
    def _check_secret_key(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if secret and len(secret) < 32:
            raise ValueError("CAIRN_SECRET_KEY must be a random string of at least 32 characters")
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        data_dir = self.data_dir.expanduser().resolve()
        self.data_dir = data_dir
        if not self.database_url:
            self.database_url = f"sqlite:///{data_dir / 'app.sqlite'}"
        if not self.mlflow_tracking_uri:
            self.mlflow_tracking_uri = f"sqlite:///{data_dir / 'mlflow.db'}"
        if not self.mlflow_registry_uri:
            self.mlflow_registry_uri = self.mlflow_tracking_uri
        if self.mlflow_artifact_dir is None:
            self.mlflow_artifact_dir = data_dir / "mlartifacts"
        return self
