"""`wsis verify-ballot` and `wsis voting-dump`: a tally anyone can check (docs/tally.md).

`verify-ballot` reads `wsis:out:voting` and says whether a vote counts in
the latest published `ballots_root`, with its proof (report/ballot_proof.py);
`voting-dump` writes the stream as JSON lines, one event a line in stream
order, the input of the standalone `docs/verify_tally.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Annotated, Any

import orjson
import typer

from report.cli import DataDir, RedisUrl
from report.raw import RawConnection
from report.staff_cli import _read
from shared import topology


def _each_event(url: str, keep: Callable[[bytes], None]) -> int:
    from report import streams

    def keep_data(_stream: str, raw: bytes | None, _id: str) -> None:
        if raw is not None:
            keep(raw)

    async def work(conn: RawConnection) -> int:
        return await streams.read_all(conn, [topology.OUT_VOTING], keep_data)

    return streams.run(url, work)


def _parsed(raw: bytes) -> dict[str, Any] | None:
    try:
        event = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and isinstance(event.get("data"), dict) and "id" in event else None


def verify_ballot(ballot_id: Annotated[str, typer.Argument(help="The ballot's id: the `id` of its wsis.ballot.cast.")],
                  redis_url: RedisUrl = None, data_dir: DataDir = None) -> None:  # fmt: skip
    """Whether the vote counts in the latest published ballots_root, with its Merkle proof; exit 0 if it does, 1 if not."""
    from report.ballot_proof import verify
    from report.tally_check import Replay

    def work(url: str, _contest: Path | None) -> Replay:
        replay = Replay(ballot_id)

        def keep(raw: bytes) -> None:
            event = _parsed(raw)
            if event is not None:
                replay.add(event)

        _each_event(url, keep)
        return replay

    verdict = verify(_read(redis_url, data_dir, work), ballot_id)
    typer.echo("\n".join(verdict.lines))
    raise typer.Exit(0 if verdict.counts else 1)


def voting_dump(out: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE instead of the standard output.")] = None,
                redis_url: RedisUrl = None, data_dir: DataDir = None) -> None:  # fmt: skip
    """wsis:out:voting as JSON lines (one event a line, in stream order), for docs/verify_tally.py."""

    def work(url: str, _contest: Path | None) -> int:
        sink: IO[bytes] = out.open("wb") if out is not None else typer.get_binary_stream("stdout")
        try:
            return _each_event(url, lambda raw: _write_line(sink, raw))
        finally:
            if out is not None:
                sink.close()

    count = _read(redis_url, data_dir, work)
    typer.echo(f"{count:,} events of {topology.OUT_VOTING}" + (f": {out}" if out else ""), err=True)


def _write_line(sink: IO[bytes], raw: bytes) -> None:
    if b"\n" in raw or b"\r" in raw:  # JSON may hold raw line breaks between tokens: one line an event
        event = _parsed(raw)
        if event is None:
            return
        raw = orjson.dumps(event)
    sink.write(raw + b"\n")
