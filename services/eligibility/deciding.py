"""Staff decisions on screening: the I/O around `domain.decisions`.

An accepted decision is kept in the audit trail and answered with a new
`wsis.submission.screened` for the entry's latest revision. Screening later
on (a re-screen of the same revision after an earlier entry changed) keeps
the standing decision: `with_standing` is applied to every verdict before
it is published.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from services.eligibility import audit, store
from services.eligibility.domain.decisions import Accept, DecisionFacts, Refuse, decide, overridden, read_decision
from shared import topology
from shared.context import Effects, ServiceContext
from shared.envelope import ID_NAMESPACE, CloudEvent, outbound
from shared.events import SubmissionScreened, T
from shared.logs import get_logger

log = get_logger()


def decided_id(sid: str, revision: int, decision: CloudEvent) -> str:
    """One verdict per decision: keyed by the entry's revision and the event that carried it."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{T.SUBMISSION_SCREENED}|{sid}|{revision}|decided|{decision.source}|{decision.id}"))


def with_standing(session: Session, screened: SubmissionScreened, revision: int) -> SubmissionScreened:
    """The verdict to publish: the staff's outcome where a decision stands on this revision."""
    standing = audit.standing(session, screened.submission_id, revision)
    return overridden(screened, standing) if standing else screened


class StaffDecisions:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def on_decided(self, session: Session, event: CloudEvent) -> Effects:
        found = read_decision(event.data)
        if isinstance(found, Refuse):
            return self._refuse(found, event)
        store.take_turn(session)  # one order with screening: a re-screen sees every decision before it
        row = store.load(session, found.submission_id)
        facts = DecisionFacts(row.revision if row and row.verdict else None, self.ctx.in_future(event.time))
        decision = decide(found, event.time, facts, self.ctx.contest.nominees_published)
        if isinstance(decision, Refuse):
            return self._refuse(decision, event)
        assert isinstance(decision, Accept) and row is not None
        machine = SubmissionScreened.model_validate(row.verdict)
        audit.record(session, event.id, event.time, found.submission_id, decision.standing, machine.outcome)
        screened = overridden(machine, decision.standing)
        answer = outbound(T.SUBMISSION_SCREENED, self.ctx.source, screened, event)
        answer = answer.model_copy(update={"id": decided_id(row.submission_id, row.revision, event), "subject": row.submission_id})
        log.info(
            "screening.decided", submission_id=row.submission_id, revision=row.revision, staff_member_id=found.staff_member_id,
            outcome=screened.outcome, machine_outcome=machine.outcome, nominable=screened.nominable,
        )
        return [(topology.OUT_ELIGIBILITY, answer)]

    def _refuse(self, refusal: Refuse, event: CloudEvent) -> Effects:
        refused = refusal.refused
        log.info("screening.refused", submission_id=refused.submission_id, reason=refused.reason, why=refusal.why)
        return [(topology.OUT_ELIGIBILITY, outbound(T.SCREENING_REFUSED, self.ctx.source, refused, event))]
