"""`wsis integrity`: the integrity signals of the public vote, for staff."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer

from report.cli import DataDir, RedisUrl

if TYPE_CHECKING:
    from report.integrity.model import Finding


def findings_of(url: str, contest_file: Path | None, week: int | None) -> list[Finding]:
    """The findings on the bus at `url`, with the contest file's rules; of one week if given."""
    from report.integrity import collect, signals
    from shared.contest import load_contest

    contest = load_contest(contest_file)
    read = collect.read(url)
    found = signals.detect(read.votes(), read.members, contest.voting_weeks, contest.spec.integrity, contest.voting.start)
    return [f for f in found if week is None or f.week == week]


def integrity(week: Annotated[int | None, typer.Option("--week", help="Only this voting week.")] = None,
              as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
              redis_url: RedisUrl = None, data_dir: DataDir = None) -> None:  # fmt: skip
    """Coordinated voting worth a look, per voting week, with its evidence and the voter ids; changes no tally."""
    from report.integrity import view
    from report.staff_cli import _read
    from shared.contest import ContestError

    try:
        found = _read(redis_url, data_dir, lambda url, contest_file: findings_of(url, contest_file, week))
    except ContestError as exc:  # a bad `integrity` section: one line, as a configuration error
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(orjson.dumps([view.as_data(f) for f in found], option=orjson.OPT_INDENT_2).decode())
        return
    typer.echo("\n".join(view.lines(found)))
