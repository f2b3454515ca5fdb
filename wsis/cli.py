"""The `wsis` command: run the system and look after it."""

from __future__ import annotations

import asyncio
import importlib
import os
from pathlib import Path
from typing import Annotated

import typer

from demo import cli as demo_cli
from report import cli as report_cli
from report import staff_cli, verify_cli
from report.integrity import cli as integrity_cli
from shared import acl
from wsis import acl_cli, backup, db_cli, ops_cli, rules_diff_cli, supervisor

EXIT_CODES = "Exit codes: 0 done; 1 nothing to read, or the operation failed; 2 a usage or configuration error."
cli = typer.Typer(help="The WSIS Prizes contest rules engine.", epilog=EXIT_CODES, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        typer.echo(f"wsis {version('wsis-prizes')}")
        raise typer.Exit()


@cli.callback()
def _main(
    _version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    pass


SERVICES = ("submission", "eligibility", "voting", "judging", "notify")

RedisUrl = Annotated[str | None, typer.Option("--redis-url", help="Redis/Valkey URL; default: an embedded Valkey.", envvar="WSIS_REDIS_URL")]
DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Where data goes; default ./.wsis", envvar="WSIS_DATA_DIR")]


def available_services() -> list[str]:
    """The services of this build (each one a `services/<name>/app.py`)."""
    root = Path(__file__).resolve().parent.parent / "services"
    return [name for name in SERVICES if (root / name / "app.py").is_file()]


def _export(redis_url: str | None, data_dir: Path | None) -> None:
    if redis_url:
        os.environ["WSIS_REDIS_URL"] = redis_url
    if data_dir:
        os.environ["WSIS_DATA_DIR"] = str(data_dir)
    from shared.settings import get_settings
    from wsis.target import ConfigError, settings_for

    get_settings.cache_clear()
    try:
        settings_for(None, None)  # the message names every bad variable
    except ConfigError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from exc


@cli.command()
def up(
    redis_url: RedisUrl = None,
    data_dir: DataDir = None,
    no_ticker: Annotated[bool, typer.Option("--no-ticker", help="Do not publish a clock tick every minute.")] = False,
    tick_seconds: Annotated[float, typer.Option(hidden=True)] = 60.0,
) -> None:
    """Run the services (and an embedded Valkey unless a Redis URL is given) until interrupted."""
    _export(redis_url, data_dir)
    from shared.settings import get_settings
    from wsis.lock import DataDirInUse

    try:
        code = supervisor.run_all(get_settings(), available_services(), ticker=not no_ticker, tick_seconds=tick_seconds)
    except DataDirInUse as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(code)


@cli.command()
def run(
    service: Annotated[str, typer.Argument(help="submission, eligibility, voting, judging or notify")],
    redis_url: RedisUrl = None,
    data_dir: DataDir = None,
) -> None:
    """Run one service (several may run side by side in one consumer group)."""
    if service not in available_services():
        typer.echo(f"unknown service {service!r}; one of: {', '.join(available_services())}", err=True)
        raise typer.Exit(2)
    _export(redis_url, data_dir)
    from shared.logs import configure_logging
    from shared.settings import get_settings
    from wsis.private import owner_only

    settings = get_settings()
    owner_only(settings.data_dir)  # its database and mail hold personal data (CONTRACT 7)
    configure_logging(service, settings.log_level, settings.log_format)
    module = importlib.import_module(f"services.{service}.app")
    asyncio.run(module.app.run())


@cli.command()
def ticker(
    redis_url: RedisUrl = None,
    data_dir: DataDir = None,
    every: Annotated[float, typer.Option(help="Seconds between ticks.")] = 60.0,
) -> None:
    """Publish a `wsis.clock.tick` every minute (what `wsis up` runs; for containers)."""
    import threading

    _export(redis_url, data_dir)
    from shared.logs import configure_logging
    from shared.settings import get_settings
    from wsis.target import locate, operator_errors

    settings = get_settings()
    configure_logging("ticker", settings.log_level, settings.log_format)
    stop = threading.Event()
    with operator_errors():  # no URL and no `wsis up` on the data dir: one line, exit 1
        url = locate(settings).url
    if settings.redis_password:  # the ticker's own ACL user (shared/acl.py)
        url = acl.with_credentials(url, "ticker", settings.redis_password)
    try:
        supervisor.tick_forever(url, every, stop)
    except KeyboardInterrupt:
        stop.set()


cli.command()(ops_cli.status)
cli.command()(ops_cli.health)
cli.add_typer(ops_cli.deadletter_cli, name="deadletter")
cli.command()(backup.backup)
cli.command()(backup.restore)
cli.command()(demo_cli.demo)
cli.command()(report_cli.results)
cli.command()(report_cli.report)
cli.add_typer(staff_cli.export_cli, name="export")
cli.command()(staff_cli.trace)
cli.command("verify-ballot")(verify_cli.verify_ballot)
cli.command("voting-dump")(verify_cli.voting_dump)
cli.command()(integrity_cli.integrity)
cli.add_typer(acl_cli.acl_cli, name="acl")
cli.add_typer(db_cli.db_cli, name="db")
cli.add_typer(rules_diff_cli.rules_cli, name="rules")


@cli.command(hidden=True)
def asyncapi(check: Annotated[bool, typer.Option("--check", help="Fail if docs/asyncapi or the README's table is stale.")] = False) -> None:
    """Write (or check) docs/asyncapi/ and the README's services table, from shared/topology.py."""
    from wsis import asyncapi as docs
    from wsis import readme_table

    if check:
        behind = [f"docs/asyncapi/{name}.yaml is stale" for name in docs.stale()]
        behind += [f"README.md services table: {line}" for line in readme_table.differences(readme_table.README.read_text("utf-8"))]
        if behind:
            typer.echo("\n".join([*behind, "run `uv run wsis asyncapi`"]), err=True)
            raise typer.Exit(1)
        return
    for path in docs.write_all():
        typer.echo(f"wrote {path}")
    if readme_table.rewrite():
        typer.echo(f"rewrote the services table of {readme_table.README}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
