"""The ballot hot path: a batch read, decided in memory, written with one
statement a table, answered through one round trip, acknowledged with one call.

Order inside a batch: answers are computed and stored in one transaction
(commit), then published, then the caller acknowledges the batch. A crash
anywhere before the acknowledgement redelivers the batch, and a redelivered
ballot is found in `voting_ballot` and gets the very same answer again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from redis.asyncio import Redis

from services.voting import commands, domain, store, wire
from services.voting.ledger import Held, Ledger, Outcome
from services.voting.projection import Projection
from shared import bus, topology
from shared.envelope import Unreadable
from shared.events import T
from shared.logs import get_logger
from shared.runtime import ServiceContext

ANSWER = "wsis.vote"  # one answer id per ballot, accepted or rejected
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
log = get_logger()


@dataclass(slots=True)
class Ballot:
    key: bytes  # the answer's id, as bytes
    ballot_id: str
    at: int
    entry_id: str  # where it sits in its stream (held ballots: a store.position)
    fields: tuple[str, int, str] | None  # None: not a valid ballot
    data: dict[str, Any]
    verdict: str | domain.Hold | None = None  # None: may be counted
    text: str | None = None  # the time as written, when it is `wire.iso(at)` already


class BallotDesk:
    def __init__(self, ctx: ServiceContext, redis: Redis, ledger: Ledger, projection: Projection) -> None:
        self.source = ctx.source
        self.calendar = domain.Calendar.of(ctx.contest)
        self.replay = ctx.settings.replay
        self.tolerance = ctx.settings.future_tolerance_seconds * 1_000_000
        self.release_limit = ctx.settings.batch_size
        self.debug = ctx.settings.log_level == "DEBUG"
        self.redis, self.ledger, self.projection = redis, ledger, projection
        self.maybe_held = True  # held ballots may wait in the table (checked at the first batch)

    async def process(self, entries: Sequence[bus.Entry]) -> None:
        finish = await self.begin(entries)
        await finish()

    async def begin(self, entries: Sequence[bus.Entry]) -> Callable[[Awaitable[Any] | None], Awaitable[None]]:
        """Read and judge a batch now and queue its storing; the returned step
        publishes it once stored, after the batch before it (`after`).

        The consumer loop reads and judges the next batches meanwhile, and
        the ledger stores the batches queued while it was busy in one commit.
        """
        started = time.perf_counter()
        await self.projection.catch_up()  # every member registered before these ballots
        ballots, dead = self._read(entries)
        stored = self.ledger.group(self._settle, ballots) if ballots or self._may_release else None

        async def finish(after: Awaitable[Any] | None = None) -> None:
            answers: list[Outcome] = []
            counts: dict[str, int] = {}
            if stored is not None:
                try:
                    answers, counts = await stored
                except BaseException:
                    self.maybe_held = True  # a rolled-back release left them held
                    raise
            if after is not None:
                await asyncio.wait([asyncio.ensure_future(after)])  # in order; its failure is its own
            # A stored answer (a ballot seen before) keeps its own time: the text goes with its instant only.
            texts = {(ballot.key, ballot.at): ballot.text for ballot in ballots}
            await commands.xadd_all(self.redis, [*dead, *((topology.OUT_VOTING, self._answer(row, texts.get((row[0], row[6])))) for row in answers)])
            if entries or answers:
                ids = {"first": entries[0].entry_id, "last": entries[-1].entry_id} if entries else {}
                log.info("ballots.batch", stream=topology.IN_BALLOTS, entries=len(entries), dead=len(dead), **counts, **ids,
                         ms=round((time.perf_counter() - started) * 1000, 1))

        return finish

    @property
    def _may_release(self) -> bool:
        """Held ballots may wait in the table, and the list they wait for is known."""
        return self.maybe_held and self.projection.nominees is not None

    def _read(self, entries: Sequence[bus.Entry]) -> tuple[list[Ballot], list[tuple[str, bytes]]]:
        ballots: list[Ballot] = []
        dead: list[tuple[str, bytes]] = []
        now = domain.micros(datetime.now(timezone.utc))
        for entry in entries:
            event = wire.read(entry.raw)
            if not isinstance(event, Unreadable) and event.type != T.BALLOT_CAST:
                event = Unreadable(f"unknown event type {event.type!r} on {entry.stream}")
            if isinstance(event, Unreadable):
                log.warning("entry.deadlettered", stream=entry.stream, entry_id=entry.entry_id, error=event.error)
                letter = bus.deadletter(entry.stream, entry.entry_id, event.error, entry.raw, self.source)
                dead.append((topology.DEADLETTER, letter.to_json()))
                continue
            key = wire.answer_id(ANSWER, event.source, event.id)
            ballot = Ballot(key, event.id, event.at, entry.entry_id, domain.read_ballot(event.data), event.data, text=event.text)
            ballot.verdict = self._reason(ballot, now)
            ballots.append(ballot)
        return ballots, dead

    def _settle(self, cur: Any, batch: list[Ballot]) -> tuple[list[Outcome], dict[str, int]]:
        """Decide and store, in the ledger's transaction; the answers to publish, in order.

        Every answer is inserted with its verdict, votes as accepted; the
        insert itself tells which ballots were answered before (their stored
        answer stands, also when another replica is storing it right now: the
        database makes one wait for the other). Then V5: the first new
        candidate of each (voter, category) tries the vote row; the others,
        and those that find a vote there, are turned to `already_voted`.
        """
        released = self._take_held(cur) if self._may_release else []
        rows: dict[bytes, Outcome] = {}
        held: list[Held] = []
        for ballot in released + batch:
            if ballot.key in rows:
                continue
            reason = ballot.verdict
            if reason is domain.HOLD:
                voter, category, project = ballot.fields  # type: ignore[misc]
                held.append((ballot.key, ballot.ballot_id, voter, category, project, ballot.at, store.position(ballot.entry_id)))
            else:
                rows[ballot.key] = self._row(ballot, reason)  # type: ignore[arg-type]
        new = self.ledger.add_outcomes(cur, list(rows.values()))
        repeats = self.ledger.answered(cur, [key for key in rows if key not in new]) if len(new) < len(rows) else {}
        lost = self._count_votes(cur, [row for key, row in rows.items() if key in new and row[5] is None])
        self.ledger.hold(cur, held)
        self.maybe_held = self.maybe_held or bool(held)
        for key in lost:
            rows[key] = (*rows[key][:5], domain.ALREADY_VOTED, rows[key][6])
        rows.update(repeats)
        accepted = sum(1 for key in new if rows[key][5] is None)
        counts = {"accepted": accepted, "rejected": len(new) - accepted, "repeats": len(repeats), "held": len(held), "released": len(released)}
        return list(rows.values()), counts

    def _reason(self, ballot: Ballot, now: int) -> str | domain.Hold | None:
        if ballot.fields is None:
            return domain.INVALID_BALLOT
        voter, category, project = ballot.fields
        in_future = not self.replay and ballot.at - now > self.tolerance
        return domain.decide(voter, category, project, ballot.at, self.projection.members.get(voter), self.projection.nominees, self.calendar, in_future)

    def _row(self, ballot: Ballot, reason: str | None) -> Outcome:
        if self.debug:
            log.debug("ballot.decided", stream=topology.IN_BALLOTS, event_id=ballot.ballot_id, reason=reason or "candidate")
        if ballot.fields is not None:
            voter, category, project = ballot.fields
            return (ballot.key, ballot.ballot_id, voter, category, project, reason, ballot.at)
        given = domain.ballot_fields(ballot.data)
        category = given.get("category")
        category = category if category is not None and INT32_MIN <= category <= INT32_MAX else None  # fits the column
        return (ballot.key, ballot.ballot_id, given.get("voter_id"), category, given.get("project_id"), reason, ballot.at)

    def _count_votes(self, cur: Any, candidates: list[Outcome]) -> list[bytes]:
        """V5 by the database: the ballots that found a vote already there (answer ids)."""
        first: dict[tuple[str, int], Outcome] = {}
        for row in candidates:
            first.setdefault((row[2], row[3]), row)  # type: ignore[arg-type]
        won = self.ledger.add_votes(cur, [(voter, category, key, project, at) for (voter, category), (key, _, _, _, project, _, at) in first.items()])  # type: ignore[misc]
        lost = [row[0] for row in candidates if row[0] not in won]
        self.ledger.mark(cur, lost, domain.ALREADY_VOTED)
        if self.debug:
            for key in lost:
                log.debug("ballot.already_voted", stream=topology.IN_BALLOTS, answer_id=wire.uuid_text(key))
        return lost

    def _take_held(self, cur: Any) -> list[Ballot]:
        held = self.ledger.held(cur, self.release_limit)
        self.maybe_held = len(held) == self.release_limit
        self.ledger.release(cur, [row[0] for row in held])
        now = domain.micros(datetime.now(timezone.utc))
        released = [Ballot(key, ballot_id, at, pos, (voter, category, project), {}) for key, ballot_id, voter, category, project, at, pos in held]
        for ballot in released:
            ballot.verdict = self._reason(ballot, now)
        return released

    def _answer(self, row: Outcome, text: str | None = None) -> bytes:
        key, ballot_id, voter, category, project, reason, at = row
        data: dict[str, Any] = {"ballot_id": ballot_id}
        for name, value in (("voter_id", voter), ("category", category), ("project_id", project)):
            if value is not None:
                data[name] = value
        if reason == domain.TIME_IN_FUTURE:
            data["reason"] = domain.VOTING_CLOSED
            data["errors"] = [{"field": "time", "message": domain.IN_FUTURE_MESSAGE}]
        elif reason is not None:
            data["reason"] = reason
        kind = T.VOTE_REJECTED if reason else T.VOTE_ACCEPTED
        return wire.event_bytes(wire.uuid_text(key), self.source, kind, at, data, ballot_id, text)
