"""The submission service: takes entries in, validates and stores them, answers."""

from __future__ import annotations

from faststream.redis.annotations import RedisBatchStreamMessage
from sqlmodel import Session

from services.submission import domain, store
from shared import topology
from shared.envelope import CloudEvent, outbound
from shared.events import SubmissionReceived, SubmissionRejected, SubmissionSubmitted, T
from shared.logs import get_logger
from shared.runtime import Effects, Service, ServiceContext, types_on
from shared.settings import Settings

log = get_logger()


class SubmissionHandler:
    tables = store.TABLES
    accepts = types_on([(topology.IN_SUBMISSIONS, [T.SUBMISSION_SUBMITTED])])

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def handle(self, session: Session, stream: str, event: CloudEvent) -> Effects:
        submission_id = domain.submission_id_of(event.data)
        stored = store.load(session, submission_id) if submission_id else None
        decision = domain.decide(event.data, event.time, stored, self.ctx.contest, in_future=self.ctx.in_future(event.time))
        ids = {"stream": stream, "event_id": event.id, "causation_id": event.causationid}
        if isinstance(decision, domain.Reject):
            rejected = decision.rejected
            log.info("submission.rejected", **ids, submission_id=rejected.submission_id, why=decision.why, errors=len(rejected.errors))
            return [(topology.OUT_SUBMISSION, outbound(T.SUBMISSION_REJECTED, self.ctx.source, rejected, event))]
        received = decision.received
        if decision.is_new:
            store.save(session, received, decision.content_hash, event.id)
        log.info("submission.received", **ids, submission_id=received.submission_id, revision=received.revision, new=decision.is_new)
        return [(topology.OUT_SUBMISSION, outbound(T.SUBMISSION_RECEIVED, self.ctx.source, received, event))]


def build(settings: Settings | None = None) -> Service:
    service = Service("submission", SubmissionHandler, settings)

    service.publisher(
        topology.OUT_SUBMISSION,
        (T.SUBMISSION_RECEIVED, SubmissionReceived),
        (T.SUBMISSION_REJECTED, SubmissionRejected),
        description="Entries as stored (after commit), or why they do not fit the schema",
    )

    @service.subscriber(
        topology.IN_SUBMISSIONS,
        (T.SUBMISSION_SUBMITTED, SubmissionSubmitted),
        description="Project entries from the submission platform",
    )
    async def on_submissions(msg: RedisBatchStreamMessage) -> None:
        await service.consume(topology.IN_SUBMISSIONS, msg.raw_message)

    return service


app = build().app
