"""`wsis export stocktaking|success-stories` and `wsis trace`: the staff's commands that read intake's stream too.

Both read `wsis:out:submission`, which carries personal data (the
coordinator): what they print is copied from it field by field, ids and
answers only (`report.publications`, `report.trace_steps`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import orjson
import typer
from rich.console import Console

from report.cli import DataDir, RedisUrl

R = TypeVar("R")
export_cli = typer.Typer(help="The call's publications: the WSIS Stocktaking Report's and the Success Stories' input.", no_args_is_help=True)
Format = Annotated[str, typer.Option("--format", help="html (print-ready, offline), json or md.")]
Out = Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE instead of the standard output.")]


@contextmanager
def _one_line() -> Iterator[None]:
    """A failure as one line on stderr and exit 1, as every operator command (`wsis.target`)."""
    from report.publications import NotYet
    from report.trace import UnknownEntry

    try:
        yield
    except (NotYet, UnknownEntry) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


def _read(redis_url: str | None, data_dir: Path | None, work: Callable[[str, Path | None], R]) -> R:
    """`work(url, contest file)` on the server the command reads, said on stderr; one line and exit 1 if none."""
    from wsis.target import masked, operator_errors, server_for_command

    with operator_errors():
        target, client = server_for_command(redis_url, data_dir)
        client.close()
    try:
        with Console(stderr=True).status("reading the streams..."):  # a 2021-size contest holds millions of ballots
            return work(target.url, target.settings.contest_file)
    except (OSError, ConnectionError, RuntimeError) as exc:
        typer.echo(f"cannot read the bus at {masked(target.url)}: {exc}", err=True)
        raise typer.Exit(1) from exc


def _publication(kind: str, fmt: str, out: Path | None, redis_url: str | None, data_dir: Path | None) -> None:
    from report import publication_files, publications
    from shared.contest import load_contest

    if fmt not in publication_files.FORMATS:
        typer.echo(f"unknown format {fmt!r}; one of: {', '.join(publication_files.FORMATS)}", err=True)
        raise typer.Exit(2)
    facts, contest_file = _read(redis_url, data_dir, lambda url, contest_file: (publications.read(url), contest_file))
    with _one_line():
        text = publication_files.render(publications.build(kind, facts, load_contest(contest_file)), fmt)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"{kind} ({fmt}): {out}", err=True)


@export_cli.command("stocktaking")
def stocktaking(fmt: Format = "html", out: Out = None, redis_url: RedisUrl = None, data_dir: DataDir = None) -> None:
    """Every nominee of the published list, by category, with its entity, country, title and answers."""
    _publication("stocktaking", fmt, out, redis_url, data_dir)


@export_cli.command("success-stories")
def success_stories(fmt: Format = "html", out: Out = None, redis_url: RedisUrl = None, data_dir: DataDir = None) -> None:
    """The winners and champions (18 and 72), the same way; refused before the awards are announced."""
    _publication("success-stories", fmt, out, redis_url, data_dir)


def trace(submission_id: Annotated[str, typer.Argument(help="The platform's id of the entry.")],
          as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
          redis_url: RedisUrl = None, data_dir: DataDir = None) -> None:  # fmt: skip
    """An entry's story: every event about it on every stream but the sealed one, in time order, with who decided."""
    from report import trace as story
    from shared.contest import load_contest

    with _one_line():
        told = _read(redis_url, data_dir, lambda url, contest_file: story.read(url, submission_id, load_contest(contest_file)))
    if as_json:
        typer.echo(orjson.dumps(told, option=orjson.OPT_INDENT_2).decode())
        return
    typer.echo("\n".join(story.lines(told)))
