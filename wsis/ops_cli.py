"""The operator commands: status, health and dead letters; rich tables, or JSON with --json."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import redis
import typer
from rich.console import Console
from rich.table import Table

from shared import acl, metrics
from wsis import ops
from wsis.target import NoSystem, operator_errors, server_for_command, settings_for

deadletter_cli = typer.Typer(help="List, show and replay dead letters.", no_args_is_help=True)
console = Console()

RedisUrl = Annotated[str | None, typer.Option("--redis-url", envvar="WSIS_REDIS_URL", help="default: the embedded server of `wsis up` on --data-dir")]
DataDir = Annotated[Path | None, typer.Option("--data-dir", envvar="WSIS_DATA_DIR", help="where `wsis up` runs (default ./.wsis)")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def client_for(redis_url: str | None, data_dir: Path | None) -> redis.Redis:
    """The server this command reads (said on stderr); call inside `operator_errors()`."""
    return server_for_command(redis_url, data_dir)[1]


def _seconds(ms: int | None) -> str:
    return "-" if ms is None else f"{ms / 1000:.1f}s"


def status(redis_url: RedisUrl = None, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Per stream: length; per consumer group: lag, pending entries and their age, consumers alive; dead letters."""
    with operator_errors():
        client = client_for(redis_url, data_dir)
        states = ops.stream_states(client)
        letters = ops.dead_letters(client)
    if as_json:
        typer.echo(ops.as_json(states))
        return
    table = Table(title="streams and consumer groups")
    for column in ("stream", "length", "group", "lag", "pending", "oldest pending", "consumers alive"):
        table.add_column(column, justify="right" if column in ("length", "lag", "pending") else "left")
    for state in states:
        if not state.groups:
            table.add_row(state.stream, str(state.length), "-", "-", "-", "-", "-")
        for i, group in enumerate(state.groups):
            alive = sum(c.alive for c in group.consumers)
            table.add_row(
                state.stream if i == 0 else "",
                str(state.length) if i == 0 else "",
                group.name,
                "-" if group.lag is None else str(group.lag),
                str(group.pending),
                _seconds(group.oldest_pending_idle_ms),
                f"{alive}/{len(group.consumers)}",
            )
    console.print(table)
    _metrics_table(settings_for(redis_url, data_dir).data_dir)
    summary = ops.dead_letter_summary(letters)
    if summary:
        dead = Table(title=f"dead letters ({len(letters)})")
        for column in ("service", "error", "count"):
            dead.add_column(column)
        for (service, error), count in summary.most_common():
            dead.add_row(service, error, str(count))
        console.print(dead)
    else:
        console.print("no dead letters")


def _metrics_table(data_dir: Path) -> None:
    """The metrics URL of each service running on the data dir (shared.metrics)."""
    urls = metrics.read_urls(data_dir)
    if not urls:
        console.print(f"metrics: no service of `wsis up` on {data_dir.resolve()} (a service elsewhere: its WSIS_METRICS_PORT)")
        return
    table = Table(title="metrics (Prometheus; /livez and /readyz beside)")
    table.add_column("consumer")
    table.add_column("url")
    for consumer, url in urls.items():
        table.add_row(consumer, url)
    console.print(table)


ServiceName = Annotated[str, typer.Argument(envvar="WSIS_SERVICE", show_envvar=True, help="the service to check (a container's WSIS_SERVICE)")]


def health(service: ServiceName, redis_url: RedisUrl = None, data_dir: DataDir = None) -> None:
    """Exit 0 if a consumer of SERVICE on this host is reading its streams."""
    from wsis.health import alive_consumers

    with operator_errors():
        password = settings_for(redis_url, data_dir).redis_password
        try:
            _, client = server_for_command(redis_url, data_dir, **acl.credentials(service, password))
            found = alive_consumers(client, service)
        except (NoSystem, redis.RedisError) as exc:
            raise NoSystem(f"unhealthy: {exc}") from None
    if not found:
        typer.echo(f"unhealthy: no live consumer of {service} on this host", err=True)
        raise typer.Exit(1)
    typer.echo(f"healthy: {len(found)} live consumer(s)")


@deadletter_cli.command("list")
def list_(redis_url: RedisUrl = None, data_dir: DataDir = None,
          last: Annotated[int, typer.Option(help="How many, newest first.")] = 50, as_json: AsJson = False) -> None:  # fmt: skip
    """The newest dead letters."""
    with operator_errors():
        letters = ops.dead_letters(client_for(redis_url, data_dir), count=last)
    if as_json:
        typer.echo(ops.as_json(letters))
        return
    table = Table(title="dead letters, newest first")
    for column in ("id", "age", "service", "stream", "error", "replayed as"):
        table.add_column(column, overflow="fold")
    for v in letters:
        table.add_row(v.entry_id, _seconds(v.age_ms), v.service, v.stream, v.error[:120], v.replayed_as or "")
    console.print(table)


@deadletter_cli.command()
def show(entry_id: str, redis_url: RedisUrl = None, data_dir: DataDir = None) -> None:
    """One dead letter, whole."""
    with operator_errors():
        letters = [v for v in ops.dead_letters(client_for(redis_url, data_dir)) if v.entry_id == entry_id]
    if not letters:
        typer.echo(f"no dead letter {entry_id}", err=True)
        raise typer.Exit(1)
    typer.echo(ops.as_json(letters))


@deadletter_cli.command()
def replay(
    entry_ids: Annotated[list[str], typer.Argument(help="Dead letter ids (see `wsis deadletter list`).")],
    redis_url: RedisUrl = None,
    data_dir: DataDir = None,
    force: Annotated[bool, typer.Option(help="Replay a letter that was replayed before.")] = False,
) -> None:
    """Put dead letters' entries back on their streams (after a fix)."""
    failed = False
    with operator_errors():
        client = client_for(redis_url, data_dir)
        for entry_id in entry_ids:
            try:
                new_id = ops.replay(client, entry_id, force=force)
            except ops.ReplayError as exc:
                typer.echo(str(exc), err=True)
                failed = True
                continue
            typer.echo(f"{entry_id} -> {new_id}")
    if failed:
        raise typer.Exit(1)
