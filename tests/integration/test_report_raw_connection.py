"""The bulk connection under the demo's publisher and the report's reader, against a real server."""

from __future__ import annotations

import orjson
import pytest

from demo.publisher import Publisher
from report import reader, streams
from report.raw import CommandError, RawConnection
from report.state import ContestState
from shared import topology
from tests.support.events import cloudevent


def answer(n: int) -> bytes:
    data = {"ballot_id": f"b-{n}", "voter_id": "m-1", "category": 1 + n % 18, "project_id": "p-1"}
    if n % 4 == 0:
        data["reason"] = "own_project"
    kind = "wsis.vote.rejected" if n % 4 == 0 else "wsis.vote.accepted"
    return orjson.dumps(cloudevent(kind, data, time_="2021-03-02T10:00:00Z", id_=f"a-{n}", source="wsis-prizes/voting"))


async def test_a_publisher_adds_every_body_in_order_across_chunks(redis_url, redis):
    bodies = [b'{"n":%d}' % n for n in range(5_003)]
    async with Publisher(redis_url) as publisher:
        assert await publisher.xadd(topology.IN_BALLOTS, bodies) == 5_003
        await publisher.xadd_events([(topology.IN_CLOCK, b'{"t":1}'), (topology.IN_PANEL, b'{"p":1}')])
    stored = [fields[b"__data__"] for _, fields in await redis.xrange(topology.IN_BALLOTS)]
    assert stored == bodies and await redis.xlen(topology.IN_CLOCK) == await redis.xlen(topology.IN_PANEL) == 1


async def test_the_reader_folds_a_stream_read_in_chunks_from_where_it_stopped(redis_url, monkeypatch):
    monkeypatch.setattr(reader, "CHUNK", 1_000)
    state = ContestState()
    async with Publisher(redis_url) as publisher, RawConnection(redis_url) as conn:
        await publisher.xadd(topology.OUT_VOTING, [answer(n) for n in range(2_500)])
        assert await reader.follow(conn, state) == 2_500
        await publisher.xadd(topology.OUT_VOTING, [answer(n) for n in range(2_500, 2_600)])
        assert await reader.follow(conn, state) == 100
        assert await reader.follow(conn, state) == 0
    assert state.accepted == 1_950 and state.rejected == {"own_project": 650} and len(state.answers) == 2_600


async def test_a_command_the_server_refuses_raises_with_its_message(redis_url):
    async with RawConnection(redis_url) as conn:
        with pytest.raises(CommandError, match="(?i)unknown command"):
            await conn.command(b"NO-SUCH-COMMAND")
        assert await conn.command(b"PING") == b"PONG"


async def test_whole_streams_are_read_in_order_chunk_after_chunk(redis_url, monkeypatch):

    monkeypatch.setattr(reader, "CHUNK", 1_000)
    async with Publisher(redis_url) as publisher, RawConnection(redis_url) as conn:
        await publisher.xadd(topology.OUT_VOTING, [b'{"n":%d}' % n for n in range(2_000)])  # a multiple of the chunk
        await publisher.xadd(topology.IN_BALLOTS, [b'{"b":%d}' % n for n in range(1_234)])
        kept: list[tuple[str, bytes | None]] = []
        read = await streams.read_all(conn, [topology.OUT_VOTING, topology.IN_BALLOTS], lambda s, raw, _id: kept.append((s, raw)))
        assert read == 3_234
        assert [raw for s, raw in kept if s == topology.OUT_VOTING] == [b'{"n":%d}' % n for n in range(2_000)]
        assert [raw for s, raw in kept if s == topology.IN_BALLOTS] == [b'{"b":%d}' % n for n in range(1_234)]
        assert await conn.command(b"PING") == b"PONG"


async def test_a_reader_that_fails_midway_leaves_the_connection_in_step(redis_url, monkeypatch):

    monkeypatch.setattr(reader, "CHUNK", 100)

    def keep(_stream: str, raw: bytes | None, _entry_id: str) -> None:
        if raw == b'{"n":150}':  # the next chunk is asked for already
            raise ValueError("a reader's own failure")

    async with Publisher(redis_url) as publisher, RawConnection(redis_url) as conn:
        await publisher.xadd(topology.OUT_VOTING, [b'{"n":%d}' % n for n in range(500)])
        with pytest.raises(ValueError, match="own failure"):
            await streams.read_all(conn, [topology.OUT_VOTING], keep)
        assert await conn.command(b"PING") == b"PONG"
        assert await streams.read_all(conn, [topology.OUT_VOTING], lambda *_: None) == 500
        # A position moves on with the chunks kept only: a second try reads the failed chunk again.
        positions = {topology.OUT_VOTING: "0-0"}
        with pytest.raises(ValueError, match="own failure"):
            await reader.read_streams(conn, [topology.OUT_VOTING], positions, keep)
        assert await reader.read_streams(conn, [topology.OUT_VOTING], positions, lambda *_: None) == 400


def test_a_result_comes_back_unformatted_whatever_its_size(redis_server_url):
    """On Python 3.11 `asyncio.run` formats the repr of its main task as it puts the SIGINT handler back: a
    result handed back as the task's would be formatted whole (seconds for a million ballots' times)."""

    class Counted:
        formatted = 0

        def __repr__(self) -> str:
            Counted.formatted += 1
            return "counted"

    result = Counted()

    async def work(conn):  # type: ignore[no-untyped-def]
        assert await conn.command(b"PING") == b"PONG"
        return result

    assert streams.run(redis_server_url, work) is result
    assert Counted.formatted == 0
