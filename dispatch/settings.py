"""The dispatch service's settings: environment variables ``AMPERA_*``, each also a CLI flag."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent


class Settings(BaseSettings):
    """One settings object for the API, the CLI and the tests."""

    model_config = SettingsConfigDict(env_prefix="AMPERA_", extra="forbid")

    database_url: str = "sqlite:///var/dispatch.db"
    gateway_token: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)

    # HS256 signing key for access tokens. When unset, a random key is created
    # once in the state directory and reused, so tokens survive restarts.
    jwt_secret: SecretStr | None = None
    # Where the generated signing key lives; default: beside a SQLite database
    # file, else var/dispatch.
    dispatch_state_dir: Path | None = None
    token_ttl_s: int = Field(default=3600, ge=60, le=86400)

    # mqtt://admin:pass@host:port of the broker's dynamic-security admin
    # account; unset means the broker has no per-device accounts.
    broker_admin_url: str | None = None
    # Address the citizen app uses for MQTT over WebSockets.
    mqtt_ws_url: str = "ws://127.0.0.1:9001"

    # Failed logins per username allowed within the window before 429.
    login_max_failures: int = Field(default=5, ge=1)
    login_window_s: float = Field(default=300.0, gt=0)

    # Citizen registrations allowed per client address within the window.
    # NOTE: behind a reverse proxy every client has the proxy's address, so
    # this becomes a limit for all clients together; raise it there.
    registration_max: int = Field(default=100, ge=1)
    registration_window_s: float = Field(default=3600.0, gt=0)

    # How often the live stream looks for new changes, seconds.
    stream_poll_s: float = Field(default=0.5, gt=0)
    web_dir: Path = PACKAGE_DIR / "web"
    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            scheme = value.split(":", 1)[0]
            raise ValueError(
                f"unsupported database {scheme!r}: use sqlite:///PATH or postgresql://USER@HOST/DB"
            )
        return value

    def state_dir(self) -> Path:
        """Return the directory for the generated signing key."""
        if self.dispatch_state_dir is not None:
            return self.dispatch_state_dir
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url[len(prefix) :]).parent
        return Path("var/dispatch")
