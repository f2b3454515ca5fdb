"""Staff annulments: the I/O around `domain.annulment` (CONTRACT 5.2, "Annulment").

In the transaction of the event: the decision is checked (the close
published or not is the database's), every counting vote of the voters is
marked annulled (`voting_vote.annulled`, skipped by tallies and roots alike),
the voters are suspended (`voting_suspended`: the ballots' group commit reads
it, so their later ballots are rejected `voter_suspended` on every replica),
and the decision goes into the append-only trail (`voting_annulment`),
refusals included. The answer, `wsis.votes.annulled` or
`wsis.annulment.refused`, goes out through the runtime's outbox.

Order: the runtime answers every ballot published before the annulment
first and pauses the ballots (the topology's `drained_first`, the service's
`paused`), and makes reports and annulments one at a time (`serial`); the
ballots go on once the answer is published. So on the output stream a
report after the answer counts none of those voters' votes, one before it
counts them all, and no vote of theirs is accepted after it.
"""

from __future__ import annotations

from sqlmodel import Session

from services.voting import store
from services.voting.domain import Calendar, micros
from services.voting.domain.annulment import Accept, Refuse, decide, read_annulment
from shared import topology
from shared.context import Effects, ServiceContext
from shared.envelope import CloudEvent, outbound
from shared.events import T, VotesAnnulled
from shared.logs import get_logger

log = get_logger()
ANNULLED = "annulled"


class Annulments:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.calendar = Calendar.of(ctx.contest)

    def on_annulled(self, session: Session, event: CloudEvent) -> Effects:
        found = read_annulment(event.data)
        if isinstance(found, Refuse):
            return self._refuse(session, found, event, None, None)
        conn = session.connection()
        store.take_turn_with_reports(conn)
        at = micros(event.time)
        decision = decide(found, at, self.calendar, store.close_published(conn), self.ctx.in_future(event.time))
        if isinstance(decision, Refuse):
            return self._refuse(session, decision, event, found.staff_member_id, found.reason)
        assert isinstance(decision, Accept)
        voters = decision.decision.voter_ids
        annulled = store.annul(conn, voters, at)
        row = self._record(session, event, found.staff_member_id, found.reason, voters, ANNULLED, None, annulled)
        store.suspend(conn, voters, row.seq or 0)
        log.info(
            "votes.annulled", annulment_seq=row.seq, staff_member_id=found.staff_member_id, voters=len(voters), votes_annulled=annulled,
        )
        answer = VotesAnnulled(voter_ids=voters, votes_annulled=annulled, staff_member_id=found.staff_member_id, reason=found.reason)
        return [(topology.OUT_VOTING, outbound(T.VOTES_ANNULLED, self.ctx.source, answer, event))]

    def _refuse(self, session: Session, refusal: Refuse, event: CloudEvent, staff: str | None, reason: str | None) -> Effects:
        refused = refusal.refused
        row = self._record(session, event, staff, reason, refused.voter_ids, refused.reason, refusal.why, 0)
        log.info("annulment.refused", annulment_seq=row.seq, staff_member_id=staff, reason=refused.reason, why=refusal.why)
        return [(topology.OUT_VOTING, outbound(T.ANNULMENT_REFUSED, self.ctx.source, refused, event))]

    @staticmethod
    def _record(
        session: Session, event: CloudEvent, staff: str | None, reason: str | None, voters: list[str], outcome: str,
        why: str | None, annulled: int,
    ) -> store.AnnulmentRow:
        row = store.AnnulmentRow(
            event_id=event.id, decided_at=event.time, staff_member_id=staff, reason=reason, voter_ids=voters, outcome=outcome,
            why=why, votes_annulled=annulled,
        )
        session.add(row)
        session.flush()
        return row
