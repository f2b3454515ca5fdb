"""`wsis results` and `wsis report`: the contest's state, from the services' public events."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.console import Console

if TYPE_CHECKING:
    from report.state import ContestState

RedisUrl = Annotated[str | None, typer.Option("--redis-url", envvar="WSIS_REDIS_URL", help="default: the embedded server of `wsis up` on --data-dir")]
DataDir = Annotated[Path | None, typer.Option("--data-dir", envvar="WSIS_DATA_DIR", help="where `wsis up` runs (default ./.wsis)")]


def read_state(redis_url: str | None, data_dir: Path | None) -> tuple[ContestState, dict]:
    """The contest's state from the server every operator command reads (`wsis.target`)."""
    from report import reader, views
    from report.state import ContestState
    from shared.contest import load_contest
    from wsis.target import masked, operator_errors, server_for_command

    state = ContestState()
    status = Console(stderr=True)
    with operator_errors():
        target, client = server_for_command(redis_url, data_dir)
        client.close()
        try:
            with status.status("reading the services' events..."):
                reader.catch_up(target.url, state)
        except (OSError, ConnectionError, RuntimeError) as exc:
            typer.echo(f"cannot read the bus at {masked(target.url)}: {exc}", err=True)
            raise typer.Exit(1) from exc
    return state, views.results(state, load_contest(target.settings.contest_file))


def results(redis_url: RedisUrl = None, data_dir: DataDir = None,
            as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:  # fmt: skip
    """The state of the contest, from the services' events: entries, nominees, votes, finalists, champions."""
    from report import console as show

    _, view = read_state(redis_url, data_dir)
    if as_json:
        typer.echo(orjson.dumps(view, option=orjson.OPT_INDENT_2).decode())
        return
    Console().print(show.render(view))


def report(redis_url: RedisUrl = None, data_dir: DataDir = None,
           out: Annotated[Path, typer.Option("--out", help="Folder for report.html, report.json and report.md.")] = Path(".wsis/report")) -> None:  # fmt: skip
    """Write the HTML report (viewable offline) and its JSON and Markdown exports."""
    from report import export
    from report.integrity.section import attach

    _, view = read_state(redis_url, data_dir)
    attach(view, redis_url, data_dir)  # staff's integrity signals, where the members' stream is readable
    for kind, path in export.write(view, out).items():
        typer.echo(f"{kind}: {path}")
