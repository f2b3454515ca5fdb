"""XADD by the million: pre-serialised bodies, hand-packed commands, pipelined in chunks.

A chunk is written while the server's replies to the one before are read,
so the server never waits for the client and the client never builds a
command object.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from report.raw import RawConnection
from shared.bus import DATA_FIELD, pack
from wsis.client import BusClient, just_before

CHUNK = 2000


class Publisher(RawConnection):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url

    async def request(self, stream: str, body: bytes, event_id: str, answers: Sequence[str], timeout: float) -> dict[str, Any]:
        """One event whose answer the demo awaits, the way any platform may (wsis/client.py)."""
        async with BusClient.from_url(self.url) as bus:
            entry_id = await bus.publish(stream, body)
            return await bus.answer(event_id, answers, after=just_before(entry_id), timeout=timeout)

    async def answer(self, event_id: str, answers: Sequence[str], timeout: float) -> dict[str, Any]:
        """The answer to an event already published (read from the start of `answers`: a few hundred entries)."""
        async with BusClient.from_url(self.url) as bus:
            return await bus.answer(event_id, answers, after="0-0", timeout=timeout)

    async def xadd(self, stream: str, bodies: Sequence[bytes]) -> int:
        """XADD every body to `stream`, in order."""
        # The command with an empty body, less that body: each chunk appends its bodies' bulk strings.
        head = pack([b"XADD", stream.encode(), b"*", DATA_FIELD, b""])[: -len(b"$0\r\n\r\n")]
        async with self.lock:
            in_flight = 0
            for start in range(0, len(bodies), CHUNK):
                chunk = bodies[start : start + CHUNK]
                self.send(b"".join([part for body in chunk for part in (head, b"$%d\r\n" % len(body), body, b"\r\n")]))
                await self.drain()
                if in_flight:
                    await self.read(in_flight)
                in_flight = len(chunk)
            if in_flight:
                await self.read(in_flight)
        return len(bodies)

    async def xadd_events(self, events: Sequence[tuple[str, bytes]]) -> int:
        """A few events to several streams, in order (one round trip)."""
        async with self.lock:
            self.send(b"".join(pack([b"XADD", stream.encode(), b"*", DATA_FIELD, body]) for stream, body in events))
            await self.read(len(events))
        return len(events)
