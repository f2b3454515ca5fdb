"""Which server an operator command reads: one answer for every command.

`--redis-url` (or `WSIS_REDIS_URL`) first; else the embedded server of a
`wsis up` running on the data dir (while it runs, its URL with the staff's
password is in `<data dir>/valkey/url`). Nothing else: a guessed server
(say 127.0.0.1:6379) would show an unrelated system as if it were ours.
Every command names the server it reads on stderr, password masked, and
ends with one line and a known exit code when there is nothing to read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import typer
from pydantic import ValidationError

from shared.settings import Settings, variable_of
from shared.urls import masked

EXIT_FAILED = 1  # nothing to read, or the operation failed
EXIT_USAGE = 2  # a bad option or setting (typer's own usage errors exit 2 too)


class NoSystem(RuntimeError):
    """No server to read: none given, and no `wsis up` running on the data dir."""


@dataclass(frozen=True)
class Target:
    url: str
    origin: str
    settings: Settings

    def describe(self) -> str:
        return f"reading {masked(self.url)} ({self.origin})"

    def client(self, **options: Any) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=3, socket_timeout=10, **options)


class ConfigError(ValueError):
    """A setting or option that cannot be used."""


def settings_for(redis_url: str | None, data_dir: Path | None) -> Settings:
    """The settings with the command's options over the environment; `ConfigError` if any is bad."""
    options: dict[str, Any] = {k: v for k, v in (("redis_url", redis_url), ("data_dir", data_dir)) if v}
    try:
        return Settings(**options)
    except ValidationError as exc:
        raise ConfigError(one_line(exc)) from None


def one_line(exc: ValidationError) -> str:
    """Each bad setting with its variable and why, never its value (a URL may carry a password)."""
    return "; ".join(_problem(e) for e in exc.errors(include_input=False, include_url=False))


def _problem(error: Any) -> str:
    field = ".".join(map(str, error["loc"]))
    return f"{field} ({variable_of(field)}): {error['msg']}" if field else f"settings: {error['msg']}"


def locate(settings: Settings) -> Target:
    """The server named by the settings, or the embedded one of a running `wsis up`."""
    if settings.redis_url:
        return Target(settings.redis_url, "given by --redis-url or WSIS_REDIS_URL", settings)
    data_dir = settings.data_dir.resolve()
    marker = data_dir / "valkey" / "url"
    if not marker.is_file():
        raise NoSystem(
            f"nothing to read: no `wsis up` is running on {data_dir}; "
            "give --redis-url (or WSIS_REDIS_URL), or the --data-dir of a running `wsis up`"
        )
    return Target(marker.read_text().strip(), f"the embedded server of `wsis up` on {data_dir}", settings)


def answering(target: Target, **options: Any) -> redis.Redis:
    """A client of the target once it has answered a PING; `NoSystem` if it does not."""
    client = target.client(**options)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise NoSystem(f"nothing to read: {masked(target.url)} ({target.origin}): {exc}") from None
    return client


@contextmanager
def operator_errors() -> Iterator[None]:
    """Known failures as one line on stderr and their exit code, never a traceback."""
    try:
        yield
    except ConfigError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except NoSystem as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_FAILED) from None
    except redis.RedisError as exc:
        typer.echo(f"the server failed: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None


def server_for_command(redis_url: str | None, data_dir: Path | None, **options: Any) -> tuple[Target, redis.Redis]:
    """What every operator command starts with: the server, said on stderr, and a client that answered.

    Call inside `operator_errors()`.
    """
    target = locate(settings_for(redis_url, data_dir))
    client = answering(target, **options)
    typer.echo(target.describe(), err=True)  # after the PING: a failure is one line, naming the server itself
    return target, client
