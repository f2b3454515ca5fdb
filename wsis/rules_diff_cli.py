"""`wsis rules diff`: the command around `wsis.rules_diff` (one line and an exit code on failure)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import orjson
import typer

rules_cli = typer.Typer(help="The contest file's screening rules.", no_args_is_help=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", envvar="WSIS_DATA_DIR", help="where `wsis up` runs (default ./.wsis)")]
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", envvar="WSIS_DATABASE_URL", help="the services' database; default: SQLite in the data dir")]


@rules_cli.command("diff")
def diff(new_contest: Annotated[Path, typer.Argument(help="The edited contest file.", metavar="NEW_CONTEST.yaml")],
         data_dir: DataDir = None, database_url: DatabaseUrl = None,
         as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:  # fmt: skip
    """Re-screen the stored entries with an edited contest file, read-only and publishing nothing: each verdict that would change, and why."""
    from sqlalchemy.exc import SQLAlchemyError

    from shared.contest import ContestError, load_contest
    from wsis import rules_diff
    from wsis.target import ConfigError, operator_errors, settings_for

    with operator_errors():
        settings = settings_for(None, data_dir)
    try:
        new = load_contest(new_contest)
        from services.eligibility.rulebook import load_rule_book

        load_rule_book(new)  # what the service checks at start
        current = load_contest(settings.contest_file)
    except ContestError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    try:
        engine = rules_diff.read_only_engine(settings.data_dir, database_url or settings.database_url)
        with rules_diff.stored_entries(engine) as (rows, session):
            changes = [dataclasses.replace(c, staff_outcome=rules_diff.staff_outcome(session, c))
                       for c in rules_diff.rescreen(rows, new, current)]  # fmt: skip
    except (rules_diff.NoEntries, SQLAlchemyError, ConfigError) as exc:
        typer.echo(str(exc).splitlines()[0], err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(orjson.dumps([dataclasses.asdict(c) for c in changes], option=orjson.OPT_INDENT_2).decode())
        return
    typer.echo("\n".join(rules_diff.lines(changes, len(rows))))
