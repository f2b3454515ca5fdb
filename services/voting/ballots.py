"""Ballots, the hot path: the batch handler of the runtime's ballot lane (`shared.lane`).

A batch is read and decided in memory on the event loop (`begin`), stored
by the ledger's group commit on the ledger's thread (`_store`: one
statement a table), then published with the XACK of its entries in one
MULTI/EXEC by the lane. A crash before that XACK redelivers the batch, and a
redelivered ballot is found in `voting_ballot` and gets the same answer.

Held ballots (timed after the nominee-list date, arrived before the list)
are released once the list is known: their entries were acknowledged when
they were held, so their answers are owed (`voting_owed`) in the release's
transaction and paid once published; what a crash left owed is relayed at
start (`relay_owed`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from operator import itemgetter
from typing import Any, NamedTuple

from services.voting import domain, store
from services.voting.adapters import wire
from services.voting.adapters.ledger import Chunk, Ledger
from services.voting.adapters.projection import Projection
from services.voting.pause import Pause
from shared import bus, faults, topology
from shared.lane import Committed
from shared.logs import get_logger
from shared.runtime import ServiceContext

ANSWER = "wsis.vote"  # one answer id per ballot, accepted or rejected
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
REASON = itemgetter(store.Answer._fields.index("reason"))  # of an answer row; None: accepted
log = get_logger()


@dataclass(slots=True)
class Ballot:
    key: bytes  # the answer's id, as bytes
    ballot_id: str
    at: int
    entry_id: str  # where it sits in its stream (a released one: its store.position already)
    fields: tuple[str, int, str] | None  # None: not a valid ballot
    data: dict[str, Any]
    member: domain.Member | None = None  # the voter as known when decided
    in_future: bool = False
    verdict: str | domain.Hold | None = None  # None: counted, if the vote row is free (V5)
    text: str | None = None  # the time as written, when it is `wire.iso(at)` already


@dataclass(slots=True)
class Plan:
    """What a batch's transaction stores, made on the event loop while the ledger's thread works
    on earlier batches: there it only runs the statements. It stands unless the transaction finds
    one of the batch's voters suspended (then `_store` makes it again) or answers stored before (votes)."""

    rows: dict[bytes, store.Answer]  # each answer, by answer id; votes as counted
    held: list[store.Held]
    answers: list[Chunk]  # `rows`, ready for `Ledger.insert`
    votes: list[Chunk]  # the first candidate of each (voter, category), as vote rows
    seconds: list[bytes]  # the answer ids of the other candidates: voted already, in this batch


class Stored(NamedTuple):
    answers: list[store.Answer]
    counts: dict[str, int]
    owed: int | None  # the marker of released answers, to pay once published
    verdicts: Counter[str]  # the new answers: `accepted` or the reason (the metrics' votes)


class BallotDesk:
    batch_event = "ballots.batch"
    read = staticmethod(wire.read)

    def __init__(self, ctx: ServiceContext, ledger: Ledger, projection: Projection) -> None:
        self.source = ctx.source
        self.metrics = ctx.metrics
        self.calendar = domain.Calendar.of(ctx.contest)
        self.replay = ctx.settings.replay
        self.tolerance = ctx.settings.future_tolerance_seconds * 1_000_000
        self.release_limit = ctx.settings.batch_size
        self.ledger, self.projection = ledger, projection
        self.debug = ctx.settings.log_level == "DEBUG"  # a line per ballot costs more than the ballot
        self.maybe_held = True  # held ballots may wait in the table (checked at the first batch)
        self.releasing = False  # a batch with released ballots is not stored yet: the next one waits for it
        self.pause = Pause()  # while a report is made (pause.py)

    async def begin(self, readable: Sequence[tuple[bus.Entry, wire.Event]]) -> Awaitable[Committed]:
        """Decide the batch now and queue its storing; the awaitable is the batch once stored."""
        await self.projection.catch_up()  # every member registered before these ballots
        now = domain.micros(datetime.now(UTC))
        ballots = self._ballots(readable, now)
        may_release = self.maybe_held and not self.releasing and self.projection.nominees is not None
        released = await self._release(now) if may_release else []
        if not ballots and not released:
            return _nothing()
        # Nothing awaited from here to the queueing; a ballot the report being made may not count waits for it.
        await self.pause.enter(lambda cut: any(ballot.at < cut for ballot in chain(ballots, released)))
        self.releasing = bool(released)
        # The ledger's thread sees values only: the ballots and their members as decided here, the
        # nominee list, which is never changed once known, and the entries' organisations (only
        # added to while voting: an amendment after the deadline is refused). The projection stays on this loop.
        plan = self._plan(released, ballots)
        stored = self.ledger.group(self._store, (released, ballots, self.projection.nominees, self.projection.projects, plan))
        return self._committed(stored, ballots, bool(released))

    async def _committed(self, stored: Awaitable[Stored], ballots: list[Ballot], releases: bool) -> Committed:
        try:
            done = await stored
        except BaseException:
            self.maybe_held = True  # a rolled-back release left them held
            self.pause.left()
            raise
        finally:
            if releases:
                self.releasing = False
        self.maybe_held = self.maybe_held or done.counts["held"] > 0
        self.metrics.voted(done.verdicts)
        if done.owed is not None:
            faults.crash_point("voting.release_committed")
        # A stored answer (a ballot seen before) keeps its own time: the text goes with its instant only.
        asked = {ballot.key: ballot for ballot in ballots if ballot.text is not None}
        answers = [
            (topology.OUT_VOTING, self._answer(row, ballot.text if (ballot := asked.get(row.key)) is not None and ballot.at == row.at_us else None))
            for row in done.answers
        ]
        return Committed(answers, self._published(done.owed), done.counts)

    def _published(self, owed: int | None) -> Callable[[], Awaitable[None]]:
        """Once the batch is published: pay what it owed, and tell the pause."""

        async def published() -> None:
            try:
                if owed is not None:
                    await self.ledger.run(self.ledger.pay, [owed])
            finally:
                self.pause.left()

        return published

    def _ballots(self, readable: Sequence[tuple[bus.Entry, wire.Event]], now: int) -> list[Ballot]:
        answer_id, read_ballot = wire.answer_id, domain.read_ballot
        ballots = [
            Ballot(answer_id(ANSWER, event.source, event.id), event.id, event.at, entry.entry_id, read_ballot(event.data), event.data, text=event.text)
            for entry, event in readable
        ]
        self._decide(ballots, now)
        return ballots

    def _decide(self, ballots: list[Ballot], now: int) -> None:
        """Each ballot's first verdict, as the projection knows the voter (a loop of the batch: it is the hot path)."""
        member_of, nominees, projects = self.projection.members.get, self.projection.nominees, self.projection.projects
        calendar, replay, tolerance, decide = self.calendar, self.replay, self.tolerance, domain.decide
        for ballot in ballots:
            if ballot.fields is None:
                ballot.verdict = domain.INVALID_BALLOT
                continue
            voter, category, project = ballot.fields
            member = ballot.member = member_of(voter)
            in_future = ballot.in_future = not replay and ballot.at - now > tolerance
            ballot.verdict = decide(voter, category, project, ballot.at, member, nominees, calendar, in_future, projects=projects)

    async def _release(self, now: int) -> list[Ballot]:
        """The oldest held ballots, decided again now that the list is known (released by the batch's commit)."""
        held = await self.ledger.run(self.ledger.held, self.release_limit)
        self.maybe_held = len(held) == self.release_limit
        released = [Ballot(row.key, row.ballot_id, row.at_us, row.position, (row.voter_id, row.category, row.project_id), {}) for row in held]
        self._decide(released, now)
        return released

    def _store(
        self, cur: Any,
        item: tuple[list[Ballot], list[Ballot], Mapping[str, domain.Nominee] | None, Mapping[str, domain.Project], Plan],
    ) -> Stored:
        """In the ledger's transaction: release, store every answer, count the votes (V5), hold, owe.

        First the voters staff suspended: their ballots are decided again as
        such (the verdicts on the event loop did not know of suspensions),
        and the plan made again.

        Every answer is inserted with its verdict, votes as counted; the
        insert itself tells which ballots were answered before (their stored
        answer stands, also when another replica is storing it right now:
        the database makes one wait for the other). Then V5: the first new
        candidate of each (voter, category) tries the vote row; the others,
        and those that find a vote there, are decided again as `voted`.
        """
        released, batch, nominees, projects, plan = item
        suspended = self.ledger.suspended(cur)
        if suspended and self._suspend(released + batch, suspended, nominees, projects):
            plan = self._plan(released, batch)
        self.ledger.release(cur, [ballot.key for ballot in released])
        rows = plan.rows
        new = self.ledger.insert(cur, plan.answers)
        if len(new) == len(rows):
            lost = plan.seconds + _lost(plan.votes, self.ledger.insert(cur, plan.votes))
            repeats: dict[bytes, store.Answer] = {}
        else:  # some were answered before: their votes are theirs, as stored then
            repeats = self.ledger.answered(cur, [key for key in rows if key not in new])
            lost = self._count_votes(cur, [row for key, row in rows.items() if key in new and row.reason is None])
        if lost:
            lost_set = set(lost)
            for ballot in released + batch:
                if ballot.key in lost_set:
                    voter, category, project = ballot.fields  # type: ignore[misc]  # a decided ballot (held or counted) has its fields
                    reason = domain.decide(
                        voter, category, project, ballot.at, ballot.member, nominees, self.calendar, ballot.in_future,
                        voted=True, projects=projects,
                    )
                    # Its first verdict counted it, so the list was at hand: deciding again never holds.
                    assert not isinstance(reason, domain.Hold)
                    rows[ballot.key] = rows[ballot.key]._replace(reason=reason)
            self.ledger.mark(cur, lost, domain.ALREADY_VOTED)
        if self.debug:
            for key in new:
                log.debug("ballot.decided", stream=topology.IN_BALLOTS, event_id=rows[key].ballot_id, reason=rows[key].reason or "counted")
        self.ledger.hold(cur, plan.held)
        rows.update(repeats)
        owed = self.ledger.owe(cur, [ballot.key for ballot in released if ballot.key in rows]) if released else None
        # The usual batch has new answers only: its reasons are counted without a Python step a row.
        verdicts = Counter(map(REASON, rows.values()) if len(new) == len(rows) else (rows[key].reason for key in new))
        accepted = verdicts["accepted"] = verdicts.pop(None, 0)
        counts = {"accepted": accepted, "rejected": len(new) - accepted, "repeats": len(repeats), "held": len(plan.held), "released": len(released)}
        return Stored(list(rows.values()), counts, owed, verdicts)

    def _plan(self, released: list[Ballot], batch: list[Ballot]) -> Plan:
        """The rows of the batch's answers, holds and votes as decided, ready for the database."""
        rows: dict[bytes, store.Answer] = {}
        held: list[store.Held] = []
        for ballot in chain(released, batch):
            if ballot.key in rows:
                continue
            if ballot.verdict is domain.HOLD:
                voter, category, project = ballot.fields  # type: ignore[misc]  # a decided ballot (held or counted) has its fields
                held.append(store.Held(ballot.key, ballot.ballot_id, voter, category, project, ballot.at, store.position(ballot.entry_id)))
            else:
                rows[ballot.key] = self._row(ballot)
        first, seconds = _first_votes([row for row in rows.values() if row.reason is None])
        return Plan(rows, held, self.ledger.answer_chunks(list(rows.values())), self.ledger.vote_chunks(first), seconds)

    def _suspend(
        self, ballots: list[Ballot], suspended: frozenset[str], nominees: Mapping[str, domain.Nominee] | None,
        projects: Mapping[str, domain.Project],
    ) -> bool:
        """Decide again the ballots of voters staff suspended since (the database knows, as of this
        transaction); whether there were any."""
        changed = False
        for ballot in ballots:
            if ballot.member is not None and ballot.fields is not None and ballot.fields[0] in suspended:
                voter, category, project = ballot.fields
                ballot.verdict = domain.decide(
                    voter, category, project, ballot.at, ballot.member, nominees, self.calendar, ballot.in_future,
                    projects=projects, suspended=True,
                )
                changed = True
        return changed

    def _row(self, ballot: Ballot) -> store.Answer:
        reason = ballot.verdict  # not HOLD here
        if ballot.fields is not None:
            voter, category, project = ballot.fields
            # tuple.__new__ makes the same Answer without NamedTuple's Python-level __new__ (a third of a microsecond a ballot)
            return tuple.__new__(store.Answer, (ballot.key, ballot.ballot_id, voter, category, project, reason, ballot.at))
        given = domain.ballot_fields(ballot.data)
        asked = given.get("category")
        fits = asked if asked is not None and INT32_MIN <= asked <= INT32_MAX else None  # fits the column
        return store.Answer(ballot.key, ballot.ballot_id, given.get("voter_id"), fits, given.get("project_id"), reason, ballot.at)  # type: ignore[arg-type]  # the verdict is typed with HOLD, which never reaches a row

    def _count_votes(self, cur: Any, candidates: list[store.Answer]) -> list[bytes]:
        """V5 by the database: the candidates that found a vote already there (answer ids)."""
        first, seconds = _first_votes(candidates)
        chunks = self.ledger.vote_chunks(first)
        return seconds + _lost(chunks, self.ledger.insert(cur, chunks))

    def _answer(self, row: store.Answer, text: str | None = None) -> bytes:
        key, ballot_id, voter_id, category, project_id, reason, at = row  # unpacked: cheaper than seven attribute reads
        kind, data = domain.answer(reason, ballot_id, voter_id, category, project_id)
        return wire.keyed_event_bytes(key, self.source, kind, at, data, ballot_id, text)

    async def relay_owed(self, redis: Any) -> int:
        """Publish the answers a crash left owed (committed, never published); returns how many."""
        count = 0
        for seq, keys in await self.ledger.run(self.ledger.owed):
            rows = await self.ledger.run(self._answers_of, keys)
            await bus.publish_all(redis, [(topology.OUT_VOTING, self._answer(row)) for row in rows])
            await self.ledger.run(self.ledger.pay, [seq])
            count += len(rows)
        if count:
            log.info("ballots.owed_relayed", answers=count)
        return count

    def _answers_of(self, keys: list[bytes]) -> list[store.Answer]:
        with self.ledger.transaction() as cur:
            found = self.ledger.answered(cur, keys)
        return [found[key] for key in keys if key in found]


def _first_votes(candidates: list[store.Answer]) -> tuple[list[store.Answer], list[bytes]]:
    """The first candidate of each (voter, category), and the answer ids of the others (voted already, in this batch)."""
    first: dict[tuple[str, int], store.Answer] = {}
    for row in candidates:
        first.setdefault((row.voter_id, row.category), row)  # type: ignore[arg-type]
    if len(first) == len(candidates):
        return candidates, []
    kept = set(map(id, first.values()))
    return list(first.values()), [row.key for row in candidates if id(row) not in kept]


def _lost(chunks: list[Chunk], won: set[bytes]) -> list[bytes]:
    """The answer ids of the chunks' rows that did not get in (`won`: those that did)."""
    if len(won) == sum(len(chunk.rows) for chunk in chunks):
        return []
    return [row[chunk.table.key_at] for chunk in chunks for row in chunk.rows if row[chunk.table.key_at] not in won]


async def _nothing() -> Committed:
    return Committed([])

