"""The eligibility service's routes: each inbound event type to its application step."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from pydantic import ValidationError
from sqlmodel import Session

from services.eligibility import audit, store
from services.eligibility.deciding import StaffDecisions, with_standing
from services.eligibility.domain.entry import EntryRevision
from services.eligibility.rulebook import load_rule_book
from services.eligibility.screener import Repeat, Screener, Verdict
from shared import bus, topology
from shared.context import Effects, ServiceContext
from shared.envelope import ID_NAMESPACE, CloudEvent, field_errors, outbound
from shared.events import T
from shared.logs import get_logger

log = get_logger()


def screened_id(verdict: Verdict, cause: EntryRevision) -> str:
    """One id per (entry, revision); a re-screen is keyed by the change that caused it."""
    key = f"{T.SUBMISSION_SCREENED}|{verdict.submission_id}|{verdict.revision}"
    if verdict.rescreen:
        key += f"|after|{cause.submission_id}|{cause.revision}"
    return str(uuid.uuid5(ID_NAMESPACE, key))


class EligibilityHandler:
    tables = (*store.TABLES, *audit.TABLES)
    accepts = topology.ELIGIBILITY.accepts

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.screener = Screener(load_rule_book(ctx.contest))
        store.tune_sqlite(ctx.engine)
        with Session(ctx.engine) as session:
            reindexed = store.reindex_if_needed(session, self.screener)
            session.commit()
        if reindexed is not None:
            log.info("index.rebuilt", entries=reindexed, layout=self.screener.index_label)
        self.decisions = StaffDecisions(ctx)
        self.routes: dict[str, Callable[[Session, CloudEvent], Effects]] = {
            T.SUBMISSION_RECEIVED: self.screen,
            T.STAFF_SCREENING_DECIDED: self.decisions.on_decided,
        }

    def handle(self, session: Session, stream: str, event: CloudEvent) -> Effects:
        step = self.routes.get(event.type)
        return step(session, event) if step else []  # a type the topology lets pass

    def screen(self, session: Session, event: CloudEvent) -> Effects:
        """Screen an entry's revision, and again the later entries whose verdict it changes."""
        try:
            entry = EntryRevision.model_validate(event.data)
        except ValidationError as exc:
            error = "received data cannot be screened: " + "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(exc))
            log.error("entry.unscreenable", error=error)
            # The handler sees events, not stream entries: the dead letter names the event id.
            letter = bus.deadletter(topology.OUT_SUBMISSION, event.id, error, event.to_json(), self.ctx.source)
            return [(topology.DEADLETTER, letter)]
        result = self.screener.receive(session, entry)
        if isinstance(result, Repeat):
            log.info("entry.repeat", submission_id=entry.submission_id, revision=entry.revision, stored_revision=result.stored_revision)
            return []
        return [self._answer(session, verdict, entry, event) for verdict in result]

    def _answer(self, session: Session, verdict: Verdict, entry: EntryRevision, event: CloudEvent) -> tuple[str, CloudEvent]:
        # A staff decision on this revision stands against a re-screen; an amendment is a new revision.
        screened = with_standing(session, verdict.screened, verdict.revision)
        answer = outbound(T.SUBMISSION_SCREENED, self.ctx.source, screened, event)
        answer = answer.model_copy(update={"id": screened_id(verdict, entry), "subject": verdict.submission_id})
        log.info(
            "entry.rescreened" if verdict.rescreen else "entry.screened",
            submission_id=verdict.submission_id,
            revision=verdict.revision,
            cause_submission_id=entry.submission_id,
            outcome=screened.outcome,
            nominable=screened.nominable,
            failed=[r.rule for r in screened.rules if r.result == "fail"],
            review=[r.rule for r in screened.rules if r.result == "review"],
            related=screened.related or [],
            decided_by_staff=screened.decided_by is not None,
        )
        return (topology.OUT_ELIGIBILITY, answer)
