"""Winners and the ceremony: the I/O around `domain.winners` and `domain.ceremony`.

The embargo (CONTRACT 5.4): a recorded winner goes to the sealed stream
alone, and no log line here names the submission of a selection; the
public answer to a selection is a refusal or nothing. After the ceremony
the awards name every winner on the public judging stream.
"""

from __future__ import annotations

from sqlmodel import Session

from services.judging import store
from services.judging.domain import ceremony
from services.judging.domain.common import Hold, Ignore, echo_text
from services.judging.domain.winners import (
    QUEUE,
    Record,
    Refuse,
    SelectionFacts,
    decide_selection,
    read_selection,
)
from services.judging.nominating import decision_ids
from shared import topology
from shared.context import Effects, ServiceContext
from shared.envelope import CloudEvent, outbound
from shared.events import T, VotingClosed, WinnerSelected
from shared.logs import get_logger

log = get_logger()


class Selections:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.contest = ctx.contest

    def on_closed(self, session: Session, event: CloudEvent) -> Effects:
        """The finalists, once: a second close changes nothing (CONTRACT 5.2)."""
        if store.reached(session, store.VOTING_CLOSED):
            log.warning("voting.closed_again")
            return []
        closed = VotingClosed.model_validate(event.data)  # unfit: retried, then dead-lettered
        store.save_finalists(session, closed)
        store.reach(session, store.VOTING_CLOSED, event)
        log.info("voting.closed_seen", categories=len(closed.categories))
        return self.resolve(session, event)

    def on_selected(self, session: Session, event: CloudEvent) -> Effects:
        found = read_selection(event.data)
        if isinstance(found, Refuse):
            seq = self._audit(session, event, found.refused.submission_id, found.refused.category)
            return self._settle(session, seq, found, event, event)
        seq = self._audit(session, event, found.submission_id, found.category)
        facts = self._facts(session, found.category, waiting=store.waiting(session, QUEUE))
        decision = decide_selection(found, event.time, facts, self.contest, in_future=self.ctx.in_future(event.time))
        return self._settle(session, seq, decision, event, event)

    def on_announced(self, session: Session, event: CloudEvent) -> Effects:
        seq = self._audit(session, event, None, None)
        decision = ceremony.decide_announcement(
            event.time, self.contest, closed=store.reached(session, store.VOTING_CLOSED),
            announced=store.reached(session, store.ANNOUNCED), queue_waiting=store.waiting(session, QUEUE),
            in_future=self.ctx.in_future(event.time),
        )
        return self._settle(session, seq, decision, event, event)

    def resolve(self, session: Session, cause: CloudEvent) -> Effects:
        """Settle the selections and the ceremony that waited, in the panel's order."""
        effects: Effects = []
        while (held := store.head(session, QUEUE)) is not None:
            seq = held.decision_seq
            original = store.decision_event(session, seq)
            decision = self._decide_again(session, original)
            if isinstance(decision, Hold):
                break
            store.release(session, seq)
            effects += self._settle(session, seq, decision, original, cause)
        return effects

    def _decide_again(self, session: Session, original: CloudEvent) -> object:
        if original.type == T.PANEL_WINNERS_ANNOUNCED:
            closed = store.reached(session, store.VOTING_CLOSED)
            return ceremony.decide_announcement(original.time, self.contest, closed=closed, announced=store.reached(session, store.ANNOUNCED), queue_waiting=False)
        selection = WinnerSelected.model_validate(original.data)
        return decide_selection(selection, original.time, self._facts(session, selection.category, waiting=False), self.contest)

    def _facts(self, session: Session, category: int, *, waiting: bool) -> SelectionFacts:
        closed = store.reached(session, store.VOTING_CLOSED)
        return SelectionFacts(
            finalists=store.finalists_of(session, category) if closed else None,
            decided=store.winner_of(session, category) is not None,
            announced=store.reached(session, store.ANNOUNCED),
            queue_waiting=waiting,
        )

    def _audit(self, session: Session, event: CloudEvent, sid: str | None, category: int | None) -> int:
        return store.add_decision(session, event, member=echo_text(event.data.get("panel_member_id")), sid=sid, category=category)

    def _settle(self, session: Session, seq: int, decision: object, original: CloudEvent, cause: CloudEvent) -> Effects:
        """Store what became of decision `seq` and say it. Log lines carry the
        category, never the submission: before the ceremony that would name a winner."""
        about = decision_ids(seq, original, cause)
        if isinstance(decision, Hold):
            store.hold(session, seq, decision.queue, original.type, None)
            log.info("panel.decision_held", **about, queue=decision.queue, why=decision.why)
            return []
        if isinstance(decision, Ignore):
            store.settle(session, seq, "ignored", cause, why=decision.why)
            log.warning("panel.decision_ignored", **about, why=decision.why)
            return []
        if isinstance(decision, Refuse):
            refused = decision.refused
            store.settle(session, seq, "refused", cause, reason=refused.reason, why=decision.why)
            log.info("panel.selection_refused", **about, category=refused.category, reason=refused.reason, why=decision.why)
            return [(topology.OUT_JUDGING, outbound(T.WINNER_REFUSED, self.ctx.source, refused, original))]
        if isinstance(decision, Record):
            recorded = decision.recorded
            store.record_winner(session, recorded.category, recorded.submission_id, seq)
            store.settle(session, seq, "recorded", cause)
            log.info("panel.selection_recorded", **about, category=recorded.category)
            return [(topology.SEALED_JUDGING, outbound(T.WINNER_RECORDED, self.ctx.source, recorded, original))]
        assert isinstance(decision, ceremony.Announce)
        return self._announce(session, seq, original, cause)

    def _announce(self, session: Session, seq: int, original: CloudEvent, cause: CloudEvent) -> Effects:
        announced, undecided = ceremony.awards(self.contest.categories, store.finalists(session), store.winners(session))
        store.reach(session, store.ANNOUNCED, original)
        store.settle(session, seq, "announced", cause)
        about = decision_ids(seq, original, cause)
        for category in undecided:
            log.warning("awards.category_undecided", **about, category=category)
        log.info("awards.announced", **about, categories=len(announced.categories), undecided=len(undecided))
        # model_dump without exclude_none: an undecided category says `"winner": null`.
        return [(topology.OUT_JUDGING, outbound(T.AWARDS_ANNOUNCED, self.ctx.source, announced.model_dump(mode="json"), original))]
