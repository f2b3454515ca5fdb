"""The submission service's routes: each inbound event type to its application step."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from services.submission import domain, store
from shared import topology
from shared.context import Effects, ServiceContext
from shared.envelope import CloudEvent, outbound
from shared.events import T
from shared.logs import get_logger

log = get_logger()


class SubmissionHandler:
    tables = store.TABLES
    accepts = topology.SUBMISSION.accepts

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.routes: dict[str, Callable[[Session, CloudEvent], Effects]] = {
            T.SUBMISSION_SUBMITTED: self.take_in,
        }

    def handle(self, session: Session, stream: str, event: CloudEvent) -> Effects:
        step = self.routes.get(event.type)
        return step(session, event) if step else []  # a type the topology lets pass

    def take_in(self, session: Session, event: CloudEvent) -> Effects:
        """Validate an entry or amendment; store a new revision; answer received or rejected."""
        submission_id = domain.submission_id_of(event.data)
        stored = store.load(session, submission_id) if submission_id else None
        decision = domain.decide(event.data, event.time, stored, self.ctx.contest, in_future=self.ctx.in_future(event.time))
        if isinstance(decision, domain.Reject):
            rejected = decision.rejected
            log.info("submission.rejected", submission_id=rejected.submission_id, why=decision.why, errors=len(rejected.errors))
            return [(topology.OUT_SUBMISSION, outbound(T.SUBMISSION_REJECTED, self.ctx.source, rejected, event))]
        received = decision.received
        if decision.is_new:
            store.save(session, received, decision.content_hash, event.id)
        log.info("submission.received", submission_id=received.submission_id, revision=received.revision, new=decision.is_new)
        return [(topology.OUT_SUBMISSION, outbound(T.SUBMISSION_RECEIVED, self.ctx.source, received, event))]
