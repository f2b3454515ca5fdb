"""Settings from the environment (`WSIS_*`), checked at start."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.contest import DEFAULT_CONTEST_FILE
from shared.urls import url_problem

DEFAULT_BATCH_BYTES = 16 * 1024 * 1024


class Settings(BaseSettings):
    # Errors never quote a value: a URL in one may carry a password.
    model_config = SettingsConfigDict(env_prefix="WSIS_", extra="ignore", validate_default=True, hide_input_in_errors=True)

    redis_url: str | None = None
    data_dir: Path = Path(".wsis")
    database_url: str | None = None
    smtp_url: str | None = None
    contest_file: Path = DEFAULT_CONTEST_FILE
    log_level: str = "INFO"
    log_format: str = "auto"
    # Replays and simulations judge only business time; on the wall clock an
    # event stamped more than `future_tolerance_seconds` ahead is refused.
    replay: bool = False
    future_tolerance_seconds: int = Field(default=300, ge=0)
    batch_size: int = Field(default=500, ge=1, le=10_000)
    # The voting service reads ballots in larger batches: ballot ids land all
    # over the store's index, and one commit writes each page it touched once,
    # so fewer, larger commits write fewer pages per ballot.
    ballot_batch_size: int = Field(default=4000, ge=1, le=20_000)
    # About this many bytes a read: Redis bounds XREADGROUP by count alone, so
    # each consumer adapts its count to the entries it reads (shared/reading.py).
    batch_bytes: int = Field(default=DEFAULT_BATCH_BYTES, ge=64 * 1024)
    block_ms: int = Field(default=1000, ge=1)
    # How long a service's Redis client waits for a reply before it gives up on the
    # connection (redis-py's own default is 5 s). A service's event loop can be busy
    # for seconds (a report over a million votes), and a reply read late is not lost.
    redis_timeout_s: float = Field(default=30.0, gt=0)
    reclaim_idle_ms: int = Field(default=30_000, ge=100)
    reclaim_every_ms: int = Field(default=5_000, ge=50)
    max_deliveries: int = Field(default=5, ge=1)
    # Optional per-service Redis ACL password (least privilege); the user is
    # the service's name (shared/acl.py).
    redis_password: str | None = None
    # The embedded server's staff user (`default`); generated per `wsis up`
    # run when unset, and written into <data dir>/valkey/url (mode 0600).
    redis_admin_password: str | None = None
    # `wsis up` gives each service its own ACL user on the embedded server;
    # false runs every service as the default user (debugging only).
    redis_acl: bool = True
    # The embedded server's memory bound (Valkey's `maxmemory`, `noeviction`):
    # past it writes are refused, nothing is evicted.
    valkey_maxmemory: str = Field(default="4gb", pattern=r"^[0-9]+(b|kb|mb|gb|k|m|g)?$")
    # Dead letters are trimmed to about this many (the oldest go first).
    deadletter_maxlen: int = Field(default=100_000, ge=1)
    # Each service's Prometheus metrics, /livez and /readyz (shared/metrics.py);
    # port 0 lets the system pick one (its URL is logged and shown by `wsis status`).
    metrics: bool = True
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=0, ge=0, le=65_535)

    # A URL's own text is never in an error: it may carry a password (shared/urls.py).
    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return _usable(value)

    @field_validator("database_url")
    @classmethod
    def _db_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql", "sqlite")):
            raise ValueError("must be a postgresql:// or sqlite:// URL")
        return _usable(value)

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("smtp://", "smtps://")):
            raise ValueError("must be smtp://host:port or smtps://host:port")
        return _usable(value)

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value

    @field_validator("log_format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value not in {"auto", "json", "console"}:
            raise ValueError("must be auto, json or console")
        return value

    @field_validator("contest_file")
    @classmethod
    def _contest_exists(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(f"no contest file at {value}")
        return value

    def bus_url(self) -> str:
        """The Redis URL, else the embedded server a running `wsis up` left word of."""
        if self.redis_url:
            return self.redis_url
        marker = self.data_dir / "valkey" / "url"
        if marker.is_file():
            return marker.read_text().strip()
        return "redis://127.0.0.1:6379"


def _usable(url: str | None) -> str | None:
    """A URL whose host and port can be read; a typo is a start-up error, shown masked."""
    if url and (problem := url_problem(url)):
        raise ValueError(problem)
    return url or None


def variable_of(field: str) -> str:
    """The environment variable that sets a field: `smtp_url` -> `WSIS_SMTP_URL`."""
    return f"WSIS_{field.upper()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
