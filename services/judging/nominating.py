"""Nominations: the I/O around `domain.nominations`, and the nominee list.

Verdicts (`wsis.submission.screened`) and titles (`wsis.submission.received`)
come from other streams than the panel's decisions. The runtime hands a
panel batch over only once the submission stream is handled up to it
(`topology.JUDGING`, `drained_first`), so an entry judging has not heard of
was never received: its nomination is refused `unknown_submission` at once.
A received entry's nomination may still arrive before its verdict: inside
the window it waits, with only later decisions about the same entry behind
it; it is settled when the verdict arrives (a staff decision's too), or
refused `unknown_submission` on the first tick at or after the window's
close if the verdict never came.
"""

from __future__ import annotations

from sqlmodel import Session

from services.judging import store
from services.judging.domain import ceremony
from services.judging.domain.common import Hold, Ignore, echo_text
from services.judging.domain.nominations import (
    NominationFacts,
    Record,
    Refuse,
    Withdraw,
    WithdrawalFacts,
    category_queue,
    decide_nomination,
    decide_withdrawal,
    queue_of,
    read_nomination,
    read_withdrawal,
)
from shared import topology
from shared.context import Effects, ServiceContext
from shared.envelope import CloudEvent, outbound
from shared.events import Data, PanelNominated, SubmissionScreened, T, Text
from shared.logs import get_logger

log = get_logger()


class _Entity(Data):
    entity_id: Text


class EntryFacts(Data):
    """The part of `wsis.submission.received` the nominee list needs (never the coordinator)."""

    submission_id: Text
    entity: _Entity
    title: Text
    revision: int


def decision_ids(seq: int, original: CloudEvent, cause: CloudEvent) -> dict[str, object]:
    """Which panel decision a log line settles. The runtime binds the ids of
    the event being handled; a decision that waited came in an earlier one."""
    if original.id == cause.id:
        return {"decision": seq}
    return {"decision": seq, "decision_event_id": original.id, "decision_type": original.type}


class Nominations:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.contest = ctx.contest

    # --- facts from other streams ----------------------------------------------

    def on_received(self, session: Session, event: CloudEvent) -> Effects:
        entry = EntryFacts.model_validate(event.data)  # unfit: retried, then dead-lettered
        store.save_title(session, entry.submission_id, entry.entity.entity_id, entry.title, entry.revision)
        return []

    def on_screened(self, session: Session, event: CloudEvent) -> Effects:
        screened = SubmissionScreened.model_validate(event.data)
        store.save_verdict(session, screened)
        entry_queues = store.queues(session, prefix="nomination:", submission_id=screened.submission_id)
        return self.resolve(session, event, [*entry_queues, *store.queues(session, prefix="places:")])

    # --- the panel's decisions -------------------------------------------------

    def on_nominated(self, session: Session, event: CloudEvent) -> Effects:
        found = read_nomination(event.data)
        if isinstance(found, Refuse):
            seq = self._audit(session, event, found.refused.submission_id, found.refused.category)
            return self._settle(session, seq, found, event, event)
        seq = self._audit(session, event, found.submission_id, found.category)
        facts = self._facts(session, found, seq)
        decision = decide_nomination(found, event.time, facts, self.contest, in_future=self.ctx.in_future(event.time))
        return self._settle(session, seq, decision, event, event)

    def on_withdrawn(self, session: Session, event: CloudEvent) -> Effects:
        found = read_withdrawal(event.data)
        if isinstance(found, Refuse):
            seq = self._audit(session, event, found.refused.submission_id, None)
            return self._settle(session, seq, found, event, event)
        seq = self._audit(session, event, found.submission_id, None)
        facts = self._withdrawal_facts(session, found.submission_id, seq)
        decision = decide_withdrawal(found, event.time, facts, self.contest, in_future=self.ctx.in_future(event.time))
        return self._settle(session, seq, decision, event, event)

    def on_tick(self, session: Session, tick: CloudEvent) -> Effects:
        """The window's close, the nominee list; and, on every tick, whatever
        still waits: two replicas can each commit a hold and the verdict that
        would release it without seeing the other's, and the tick wakes it."""
        if tick.time >= self.contest.nomination.end and not store.reached(session, store.WINDOW_CLOSED):
            store.reach(session, store.WINDOW_CLOSED, tick)
        effects = self.resolve(session, tick, [*store.queues(session, prefix="nomination:"), *store.queues(session, prefix="places:")])
        if tick.time >= self.contest.nominees_published and not store.reached(session, store.PUBLISHED):
            effects += self._publish(session, tick)
        return effects

    # --- waiting decisions ---------------------------------------------------------

    def resolve(self, session: Session, cause: CloudEvent, queues: list[str]) -> Effects:
        """Settle what waits in `queues`, each in the panel's order, until nothing moves.

        A verdict can only unblock the queues its entry waits in (a withdrawal
        waiting for its nomination is held under the same entry), and the
        category queues whose places depended on it. A decision that must go
        on waiting for another reason moves to that queue."""
        effects: Effects = []
        window_closed = store.reached(session, store.WINDOW_CLOSED)
        moved = True
        while moved:
            moved = False
            for queue in queues:
                while (held := store.head(session, queue)) is not None:
                    if held.kind == T.PANEL_NOMINATED and not window_closed and not store.has_verdict(session, held.submission_id):
                        break  # still waiting for its verdict: no need to decide again
                    seq = held.decision_seq
                    original = store.decision_event(session, seq)
                    decision = self._decide_again(session, seq, original)
                    if isinstance(decision, Hold) and decision.queue == queue:
                        break
                    if isinstance(decision, Hold):
                        store.move(session, seq, decision.queue)
                        queues += [] if decision.queue in queues else [decision.queue]
                        moved = True
                        continue
                    store.release(session, seq)
                    effects += self._settle(session, seq, decision, original, cause)
                    moved = len(queues) > 1  # only another queue can unblock this one
        return effects

    def _decide_again(self, session: Session, seq: int, original: CloudEvent) -> object:
        if original.type == T.PANEL_NOMINATED:
            nomination = PanelNominated.model_validate(original.data)
            return decide_nomination(nomination, original.time, self._facts(session, nomination, seq), self.contest)
        withdrawal = read_withdrawal(original.data)
        assert not isinstance(withdrawal, Refuse), "only readable decisions wait"
        return decide_withdrawal(withdrawal, original.time, self._withdrawal_facts(session, withdrawal.submission_id, seq), self.contest)

    def _facts(self, session: Session, nomination: PanelNominated, seq: int) -> NominationFacts:
        """What decision `seq` needs; "earlier" is the panel's order (the audit trail's seq)."""
        place = store.place_of(session, nomination.submission_id)
        return NominationFacts(
            verdict=store.verdict(session, nomination.submission_id),
            received=store.received(session, nomination.submission_id),
            nominated_in=place.category if place else None,
            filled=store.filled(session, nomination.category),
            published=store.reached(session, store.PUBLISHED),
            window_closed=store.reached(session, store.WINDOW_CLOSED),
            queue_waiting=store.waiting(session, queue_of(nomination.submission_id), before=seq),
            category_waiting=store.waiting(session, category_queue(nomination.category), before=seq),
            pending=store.pending(session, nomination.category, before=seq),
        )

    def _withdrawal_facts(self, session: Session, sid: str, seq: int) -> WithdrawalFacts:
        place = store.place_of(session, sid)
        category = place.category if place else None
        return WithdrawalFacts(
            nominated_in=category,
            waiting_in=store.waiting_for(session, sid, T.PANEL_NOMINATED, before=seq),
            published=store.reached(session, store.PUBLISHED),
            category_waiting=category is not None and store.waiting(session, category_queue(category), before=seq),
            filled=store.filled(session, category) if category is not None else 0,
            pending=store.pending(session, category, before=seq) if category is not None else 0,
        )

    # --- effects -------------------------------------------------------------------

    def _audit(self, session: Session, event: CloudEvent, sid: str | None, category: int | None) -> int:
        return store.add_decision(session, event, member=echo_text(event.data.get("panel_member_id")), sid=sid, category=category)

    def _settle(self, session: Session, seq: int, decision: object, original: CloudEvent, cause: CloudEvent) -> Effects:
        """Store what became of decision `seq` (carried by `original`) and say it."""
        about = decision_ids(seq, original, cause)
        if isinstance(decision, Hold):
            store.hold(session, seq, decision.queue, original.type, echo_text(original.data.get("submission_id")))
            log.info("panel.decision_held", **about, submission_id=original.data.get("submission_id"), queue=decision.queue, why=decision.why)
            return []
        if isinstance(decision, Ignore):
            store.settle(session, seq, "ignored", cause, why=decision.why)
            log.info("panel.decision_ignored", **about, submission_id=original.data.get("submission_id"), why=decision.why)
            return []
        if isinstance(decision, Withdraw):
            store.free_place(session, decision.submission_id)
            store.settle(session, seq, "withdrawn", cause)
            log.info("nomination.withdrawn", **about, submission_id=decision.submission_id, category=decision.category)
            return []
        if isinstance(decision, Refuse):
            refused = decision.refused
            store.settle(session, seq, "refused", cause, reason=refused.reason, why=decision.why)
            log.info("nomination.refused", **about, submission_id=refused.submission_id, category=refused.category, reason=refused.reason, why=decision.why)
            return [(topology.OUT_JUDGING, outbound(T.NOMINATION_REFUSED, self.ctx.source, refused, original))]
        assert isinstance(decision, Record)
        recorded = decision.recorded
        store.take_place(session, recorded.submission_id, recorded.category, seq)
        store.settle(session, seq, "recorded", cause)
        log.info("nomination.recorded", **about, submission_id=recorded.submission_id, category=recorded.category, nominable=decision.nominable)
        return [(topology.OUT_JUDGING, outbound(T.NOMINATION_RECORDED, self.ctx.source, recorded, original))]

    def _publish(self, session: Session, tick: CloudEvent) -> Effects:
        nominees, missing = store.nominees(session)
        if missing:  # a title still on its way: the next tick publishes
            log.warning("nominations.publication_deferred", titles_missing=len(missing))
            return []
        published = ceremony.nominee_list(self.contest.categories, nominees)
        store.reach(session, store.PUBLISHED, tick)
        quota = self.contest.quotas.nominees_per_category
        for category, count in ceremony.short_categories(published, quota).items():
            log.warning("nominations.category_short", category=category, nominees=count, quota=quota)
        log.info("nominations.published", nominees=sum(len(c.nominees) for c in published.categories))
        return [(topology.OUT_JUDGING, outbound(T.NOMINATIONS_PUBLISHED, self.ctx.source, published, tick))]
