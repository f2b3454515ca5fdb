"""A small client for the systems around the contest (CONTRACT 1, 4): publish, then await the answer.

    async with BusClient.from_url(url) as bus:
        event = cloudevent("wsis.submission.submitted", data, source="https://platform.example.org")
        answer = await bus.request("wsis:in:submissions", event, answers=["wsis:out:submission"])

It needs only what a publisher's Redis user may do: XADD to its inbound
stream, XREAD on its answer streams. The answer is the first entry on those
streams whose `causationid` is the published event's `id`, read from the id
the XADD returned: the server numbers a stream's entries by its own clock
(milliseconds first), so an answer written after the XADD has an id at
least as great, whatever the stream (reading starts a millisecond earlier,
for an answer in the same millisecond).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from redis.asyncio import Redis
from redis.typing import KeyT, StreamIdT

DATA_FIELD = "__data__"
READ_BLOCK_MS = 1000
READ_COUNT = 500


def cloudevent(
    type: str, data: Mapping[str, Any], *, source: str, id: str | None = None, time: datetime | str | None = None
) -> dict[str, Any]:
    """A CloudEvent in the contract's JSON form; a fresh id and the time now unless given.

    The one builder of inbound events: platforms, the ticker, the demo and
    the tests all build theirs here (RFC 3339 text is taken as written)."""
    return {
        "specversion": "1.0",
        "id": id or str(uuid.uuid4()),
        "source": source,
        "type": type,
        "time": time if isinstance(time, str) else (time or datetime.now(UTC)).isoformat(),
        "datacontenttype": "application/json",
        "data": dict(data),
    }


class BusClient:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    @classmethod
    def from_url(cls, url: str) -> BusClient:
        """`url` as `wsis up` writes it for a publisher: `redis://USER:PASSWORD@HOST:PORT/0`."""
        return cls(Redis.from_url(url))

    async def __aenter__(self) -> BusClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.redis.aclose()

    async def publish(self, stream: str, event: Mapping[str, Any] | bytes) -> str:
        """Append one event to `stream`; its entry id."""
        body = event if isinstance(event, bytes) else json.dumps(event, separators=(",", ":")).encode()
        entry_id = await self.redis.xadd(stream, {DATA_FIELD: body})
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def answer(self, event_id: str, answers: Sequence[str], *, after: str, timeout: float = 30.0) -> dict[str, Any]:
        """The first event on `answers` caused by `event_id`, among entries after the id `after`.

        `TimeoutError` when none came within `timeout` seconds.
        """
        positions: dict[KeyT, StreamIdT] = {stream: after for stream in answers}
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            block = max(1, min(READ_BLOCK_MS, int(left * 1000)))
            # RESP2, this client's protocol: a list of [stream, entries], entries of bytes
            reply: list[list[Any]] | None = cast(Any, await self.redis.xread(positions, count=READ_COUNT, block=block))
            for stream, entries in reply or []:
                for entry_id, fields in entries:
                    positions[_text(stream)] = _text(entry_id)
                    event = _event(fields)
                    if event is not None and event.get("causationid") == event_id:
                        return event
        raise TimeoutError(f"no answer to {event_id} on {', '.join(answers)} within {timeout:.0f} s")

    async def request(
        self, stream: str, event: Mapping[str, Any], *, answers: Sequence[str], timeout: float = 30.0
    ) -> dict[str, Any]:
        """Publish `event` to `stream` and await its answer on `answers`."""
        entry_id = await self.publish(stream, event)
        return await self.answer(str(event["id"]), answers, after=just_before(entry_id), timeout=timeout)


def just_before(entry_id: str) -> str:
    """The last possible id of the millisecond before `entry_id`'s (XREAD reads after the id it is given)."""
    millis = int(entry_id.split("-")[0])
    return f"{millis - 1}-{2**64 - 1}" if millis else "0-0"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _event(fields: Mapping[bytes, bytes]) -> dict[str, Any] | None:
    """The entry's CloudEvent, or None for an entry that is not one (not ours to judge here)."""
    try:
        event = json.loads(fields[DATA_FIELD.encode()])
    except (KeyError, ValueError):
        return None
    return event if isinstance(event, dict) else None
