"""The ballot hot path: a batch read, decided in memory, written with one
statement a table, answered through one round trip, acknowledged with one call.

Order inside a batch: answers are computed and stored in one transaction
(commit), then published, then the caller acknowledges the batch. A crash
anywhere before the acknowledgement redelivers the batch, and a redelivered
ballot is found in `voting_ballot` and gets the very same answer again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from redis.asyncio import Redis

from services.voting import domain, wire
from services.voting.ledger import Held, Ledger, Outcome
from services.voting.projection import Projection
from services.voting.store import position
from shared import bus, streams
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
    position: str
    fields: tuple[str, int, str] | None  # None: not a valid ballot
    data: dict[str, Any]


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
        started = time.perf_counter()
        await self.projection.catch_up()
        ballots, dead = self._read(entries)
        if not ballots and not (self.maybe_held and self.projection.nominees is not None):
            await wire.xadd_all(self.redis, dead)
            return
        answers, counts = self._settle(ballots)
        await wire.xadd_all(self.redis, [*dead, *((streams.OUT_VOTING, self._answer(row)) for row in answers)])
        if entries or answers:
            ids = {"first": entries[0].entry_id, "last": entries[-1].entry_id} if entries else {}
            log.info("ballots.batch", stream=streams.IN_BALLOTS, entries=len(entries), dead=len(dead), **counts, **ids,
                     ms=round((time.perf_counter() - started) * 1000, 1))

    def _read(self, entries: Sequence[bus.Entry]) -> tuple[list[Ballot], list[tuple[str, bytes]]]:
        ballots: list[Ballot] = []
        dead: list[tuple[str, bytes]] = []
        for entry in entries:
            event = wire.read(entry.raw)
            if not isinstance(event, Unreadable) and event.type != T.BALLOT_CAST:
                event = Unreadable(f"unknown event type {event.type!r} on {entry.stream}")
            if isinstance(event, Unreadable):
                log.warning("entry.deadlettered", stream=entry.stream, entry_id=entry.entry_id, error=event.error)
                letter = bus.deadletter(entry.stream, entry.entry_id, event.error, entry.raw, self.source)
                dead.append((streams.DEADLETTER, letter.to_json()))
                continue
            key = wire.answer_id(ANSWER, event.source, event.id).bytes
            fields = domain.read_ballot(event.data)
            ballots.append(Ballot(key, event.id, event.at, position(entry.entry_id), fields, event.data))
        return ballots, dead

    def _settle(self, batch: list[Ballot]) -> tuple[list[Outcome], dict[str, int]]:
        """Decide and store, in one transaction; the answers to publish, in order."""
        now = domain.micros(datetime.now(timezone.utc))
        with self.ledger.transaction() as cur:
            released = self._take_held(cur) if self.maybe_held and self.projection.nominees is not None else []
            ballots = released + batch
            answered = self.ledger.answered(cur, [b.key for b in ballots])
            verdicts: list[tuple[Ballot, str | None]] = []
            held: list[Held] = []
            seen: set[bytes] = set()
            for ballot in ballots:
                if ballot.key in seen or ballot.key in answered:
                    seen.add(ballot.key)
                    continue
                seen.add(ballot.key)
                reason = self._reason(ballot, now)
                if reason is domain.HOLD:
                    voter, category, project = ballot.fields  # type: ignore[misc]
                    held.append((ballot.key, ballot.ballot_id, voter, category, project, ballot.at, ballot.position))
                    continue
                verdicts.append((ballot, reason))  # type: ignore[arg-type]
            fresh = self._count_votes(cur, verdicts)
            self.ledger.add_outcomes(cur, fresh)
            self.ledger.hold(cur, held)
            self.maybe_held = self.maybe_held or bool(held)
        by_key = {row[0]: row for row in fresh} | answered
        answers = [by_key[key] for key in dict.fromkeys(b.key for b in ballots) if key in by_key]
        accepted = sum(1 for row in fresh if row[5] is None)
        counts = {"accepted": accepted, "rejected": len(fresh) - accepted, "repeats": len(answered), "held": len(held), "released": len(released)}
        return answers, counts

    def _reason(self, ballot: Ballot, now: int) -> str | domain.Hold | None:
        if ballot.fields is None:
            return domain.INVALID_BALLOT
        if not self.replay and ballot.at - now > self.tolerance:
            return domain.TIME_IN_FUTURE
        voter, category, project = ballot.fields
        return domain.decide(voter, category, project, ballot.at, self.projection.members.get(voter), self.projection.nominees, self.calendar)

    def _count_votes(self, cur: Any, verdicts: list[tuple[Ballot, str | None]]) -> list[Outcome]:
        """V5 by the database: one vote row per (voter, category), whoever inserts it first.

        Only the first candidate of a pair in the batch tries; every candidate
        is then accepted if and only if the stored vote is its own, which also
        holds when another replica stored this very ballot (a redelivery).
        """
        first: dict[tuple[str, int], Ballot] = {}
        for ballot, reason in verdicts:
            if reason is None:
                first.setdefault(ballot.fields[:2], ballot)  # type: ignore[index]
        won = self.ledger.add_votes(cur, [(*pair, b.key, b.fields[2], b.at) for pair, b in first.items()])  # type: ignore[index]
        owner = {pair: b.key for pair, b in first.items() if b.key in won}
        rows: list[Outcome] = []
        for ballot, reason in verdicts:
            if reason is None:
                pair = ballot.fields[:2]  # type: ignore[index]
                if pair not in owner:
                    owner[pair] = self.ledger.vote_of(cur, *pair)  # type: ignore[assignment]
                reason = None if owner[pair] == ballot.key else domain.ALREADY_VOTED
            if ballot.fields is not None:
                voter, category, project = ballot.fields
            else:
                given = domain.ballot_fields(ballot.data)
                voter, project = given.get("voter_id"), given.get("project_id")
                category = given.get("category")
                category = category if category is not None and INT32_MIN <= category <= INT32_MAX else None  # fits the column
            rows.append((ballot.key, ballot.ballot_id, voter, category, project, reason, ballot.at))
            if self.debug:
                log.debug("ballot.answered", stream=streams.IN_BALLOTS, event_id=ballot.ballot_id, reason=reason or "accepted")
        return rows

    def _take_held(self, cur: Any) -> list[Ballot]:
        held = self.ledger.held(cur, self.release_limit)
        self.maybe_held = len(held) == self.release_limit
        self.ledger.release(cur, [row[0] for row in held])
        return [Ballot(key, ballot_id, at, pos, (voter, category, project), {}) for key, ballot_id, voter, category, project, at, pos in held]

    def _answer(self, row: Outcome) -> bytes:
        key, ballot_id, voter, category, project, reason, at = row
        data: dict[str, Any] = {"ballot_id": ballot_id}
        for name, value in (("voter_id", voter), ("category", category), ("project_id", project)):
            if value is not None:
                data[name] = value
        if reason is not None:
            data["reason"] = reason
        kind = T.VOTE_REJECTED if reason else T.VOTE_ACCEPTED
        return wire.event_bytes(str(uuid.UUID(bytes=key)), self.source, kind, at, data, ballot_id)
