"""The eligibility service: screens every entry and amendment against the contest's rules."""

from __future__ import annotations

import uuid

from faststream.redis.annotations import RedisBatchStreamMessage
from pydantic import ValidationError
from sqlmodel import Session

from services.eligibility import store
from services.eligibility.domain.entry import Entry
from services.eligibility.rulebook import load_rule_book
from services.eligibility.screener import Repeat, Screener, Verdict
from shared import bus, topology
from shared.db import create_tables
from shared.envelope import ID_NAMESPACE, CloudEvent, field_errors, outbound
from shared.events import SubmissionReceived, SubmissionRejected, SubmissionScreened, T
from shared.logs import get_logger
from shared.runtime import Effects, Service, ServiceContext, types_on
from shared.settings import Settings

log = get_logger()


def screened_id(verdict: Verdict, cause: Entry) -> str:
    """One id per (entry, revision); a re-screen is keyed by the change that caused it."""
    key = f"{T.SUBMISSION_SCREENED}|{verdict.submission_id}|{verdict.revision}"
    if verdict.rescreen:
        key += f"|after|{cause.submission_id}|{cause.revision}"
    return str(uuid.uuid5(ID_NAMESPACE, key))


class EligibilityHandler:
    tables = store.TABLES
    # `rejected` shares the stream: accepted (not dead-lettered), nothing to screen.
    accepts = types_on([(topology.OUT_SUBMISSION, [T.SUBMISSION_RECEIVED, T.SUBMISSION_REJECTED])])

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.screener = Screener(load_rule_book(ctx.contest))
        store.tune_sqlite(ctx.engine)
        create_tables(ctx.engine, store.TABLES)
        with Session(ctx.engine) as session:
            reindexed = store.reindex_if_needed(session, self.screener)
            session.commit()
        if reindexed is not None:
            log.info("index.rebuilt", entries=reindexed, layout=self.screener.index_label)

    def handle(self, session: Session, stream: str, event: CloudEvent) -> Effects:
        if event.type != T.SUBMISSION_RECEIVED:
            return []
        ids = {"stream": stream, "event_id": event.id, "causation_id": event.causationid}
        try:
            entry = Entry.model_validate(event.data)
        except ValidationError as exc:
            error = "received data cannot be screened: " + "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(exc))
            log.error("entry.unscreenable", **ids, error=error)
            # The handler sees events, not stream entries: the dead letter names the event id.
            return [(topology.DEADLETTER, bus.deadletter(stream, event.id, error, event.to_json(), self.ctx.source))]
        result = self.screener.receive(session, entry)
        if isinstance(result, Repeat):
            log.info("entry.repeat", **ids, submission_id=entry.submission_id, revision=entry.revision, stored_revision=result.stored_revision)
            return []
        effects: Effects = []
        for verdict in result:
            screened = verdict.screened
            event_out = outbound(T.SUBMISSION_SCREENED, self.ctx.source, screened, event)
            event_out = event_out.model_copy(update={"id": screened_id(verdict, entry), "subject": verdict.submission_id})
            effects.append((topology.OUT_ELIGIBILITY, event_out))
            log.info(
                "entry.rescreened" if verdict.rescreen else "entry.screened",
                **ids,
                submission_id=verdict.submission_id,
                revision=verdict.revision,
                cause_submission_id=entry.submission_id,
                outcome=screened.outcome,
                nominable=screened.nominable,
                failed=[r.rule for r in screened.rules if r.result == "fail"],
                review=[r.rule for r in screened.rules if r.result == "review"],
                related=screened.related or [],
            )
        return effects


def build(settings: Settings | None = None) -> Service:
    service = Service("eligibility", EligibilityHandler, settings)

    service.publisher(
        topology.OUT_ELIGIBILITY,
        (T.SUBMISSION_SCREENED, SubmissionScreened),
        description="One verdict per entry and per amendment, and again when an earlier entry changes it",
    )

    @service.subscriber(
        topology.OUT_SUBMISSION,
        (T.SUBMISSION_RECEIVED, SubmissionReceived),
        (T.SUBMISSION_REJECTED, SubmissionRejected),
        description="Entries as stored by the submission service (rejections are passed over)",
    )
    async def on_received(msg: RedisBatchStreamMessage) -> None:
        await service.consume(topology.OUT_SUBMISSION, msg.raw_message)

    return service


app = build().app
