"""The `wsis` command: run the system and look after it."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.main import get_command_from_info, get_group
from typer.models import CommandInfo

EXIT_CODES = "Exit codes: 0 done; 1 nothing to read, or the operation failed; 2 a usage or configuration error."

# The commands of other modules: name -> (module, attribute), a function (a command) or a
# Typer (a group of commands). Each module is imported when its command runs or the help
# lists it, so `wsis run <service>` imports none of them (no rich, demo, report or Valkey
# client on a service's start: tests/unit/test_service_imports.py).
ELSEWHERE: dict[str, tuple[str, str]] = {
    "status": ("wsis.ops_cli", "status"),
    "health": ("wsis.ops_cli", "health"),
    "backup": ("wsis.backup", "backup"),
    "restore": ("wsis.backup", "restore"),
    "demo": ("demo.cli", "demo"),
    "results": ("report.cli", "results"),
    "report": ("report.cli", "report"),
    "trace": ("report.staff_cli", "trace"),
    "verify-ballot": ("report.verify_cli", "verify_ballot"),
    "voting-dump": ("report.verify_cli", "voting_dump"),
    "integrity": ("report.integrity.cli", "integrity"),
    # groups last, as Typer lists them
    "deadletter": ("wsis.ops_cli", "deadletter_cli"),
    "export": ("report.staff_cli", "export_cli"),
    "acl": ("wsis.acl_cli", "acl_cli"),
    "db": ("wsis.db_cli", "db_cli"),
    "rules": ("wsis.rules_diff_cli", "rules_cli"),
}


class _Commands(TyperGroup):
    """This module's commands, and those of `ELSEWHERE` made when first asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in ELSEWHERE if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in ELSEWHERE and cmd_name not in self.commands:
            module, attribute = ELSEWHERE[cmd_name]
            found = getattr(importlib.import_module(module), attribute)
            if isinstance(found, typer.Typer):
                command: Any = get_group(found)
            else:
                command = get_command_from_info(CommandInfo(name=cmd_name, callback=found),
                                                pretty_exceptions_short=cli.pretty_exceptions_short, rich_markup_mode=cli.rich_markup_mode)  # fmt: skip
            command.name = cmd_name
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


cli = typer.Typer(help="The WSIS Prizes contest rules engine.", epilog=EXIT_CODES, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False, cls=_Commands)  # fmt: skip


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
    from wsis import supervisor
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
    gc.disable()  # the imports make some 100,000 objects and no garbage: no collection among them
    try:
        _export(redis_url, data_dir)
        from shared.logs import configure_logging
        from shared.settings import get_settings
        from wsis.private import owner_only

        settings = get_settings()
        owner_only(settings.data_dir)  # its database and mail hold personal data (CONTRACT 7)
        configure_logging(service, settings.log_level, settings.log_format)
        module = importlib.import_module(f"services.{service}.app")
        gc.freeze()  # they live as long as the process: no collection looks at them again
    finally:
        gc.enable()
    asyncio.run(module.app.run())
    _stopped.append(service)


@cli.command()
def ticker(
    redis_url: RedisUrl = None,
    data_dir: DataDir = None,
    every: Annotated[float, typer.Option(help="Seconds between ticks.")] = 60.0,
) -> None:
    """Publish a `wsis.clock.tick` every minute (what `wsis up` runs; for containers)."""
    import threading

    _export(redis_url, data_dir)
    from shared import acl
    from shared.logs import configure_logging
    from shared.settings import get_settings
    from wsis import supervisor
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


_stopped: list[str] = []  # the service `run` ran and stopped cleanly


def main() -> None:
    try:
        cli()
    except SystemExit as end:
        if _stopped and end.code in (0, None):
            # A stopped service has closed its database, its Redis connection and its
            # threads, and written its last line: nothing is left for the interpreter's
            # teardown of a thousand modules to do (0.2 to 1 s of CPU at each stop).
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        raise


if __name__ == "__main__":
    main()
