"""From inbound events to queued notifications, inside the batch's transaction.

Nothing is sent here: the outbox rows written in this transaction are what
the sender works from. Streams are not ordered against each other, so a
notice whose coordinator is not known yet waits for `wsis.submission.received`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import StatementError
from sqlmodel import Session

from services.notify import domain, store
from services.notify.domain import Notice
from services.notify.reports import log, log_fields, row_fields
from shared import topology
from shared.envelope import CloudEvent, field_errors
from shared.events import (
    AwardsAnnounced,
    NominationsPublished,
    SubmissionReceived,
    SubmissionScreened,
    T,
    VotingClosed,
    VotingProgress,
    WinnerRecorded,
    utc_iso,
)
from shared.runtime import Effects, ServiceContext, types_on


class InvalidData(ValueError):
    """An upstream event whose data does not fit the contract. Raised so the
    runtime retries it and then dead-letters it with this message (field
    paths only: never the values, which may be personal)."""


class DatabaseError(RuntimeError):
    """A database failure, told without the statement's values."""


IGNORED = frozenset({
    T.SUBMISSION_REJECTED, T.NOMINATION_RECORDED, T.NOMINATION_REFUSED, T.WINNER_REFUSED, T.VOTE_ACCEPTED, T.VOTE_REJECTED,
})


class NotifyHandler:
    tables = store.TABLES
    accepts = types_on([
        (topology.OUT_SUBMISSION, [T.SUBMISSION_RECEIVED, T.SUBMISSION_REJECTED]),
        (topology.OUT_ELIGIBILITY, [T.SUBMISSION_SCREENED]),
        (topology.OUT_JUDGING, [T.NOMINATION_RECORDED, T.NOMINATION_REFUSED, T.NOMINATIONS_PUBLISHED, T.WINNER_REFUSED, T.AWARDS_ANNOUNCED]),
        (topology.SEALED_JUDGING, [T.WINNER_RECORDED]),
        (topology.OUT_VOTING, [T.VOTE_ACCEPTED, T.VOTE_REJECTED, T.VOTING_PROGRESS, T.VOTING_CLOSED]),
    ])

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def handle(self, session: Session, stream: str, event: CloudEvent) -> Effects:
        if event.type in IGNORED:
            return []
        try:
            self._handle(session, stream, event)
        except StatementError as exc:
            # The database's message carries the statement's parameters (a
            # coordinator's name and address); the runtime logs what is raised.
            raise DatabaseError(f"{type(exc.orig or exc).__name__} while handling {event.type}") from None
        return []

    def _handle(self, session: Session, stream: str, event: CloudEvent) -> None:
        ids = {"stream": stream, "event_id": event.id, "causation_id": event.causationid, "type": event.type}
        match event.type:
            case T.SUBMISSION_RECEIVED:
                self._received(session, _read(SubmissionReceived, event), event, ids)
            case T.SUBMISSION_SCREENED:
                self._screened(session, _read(SubmissionScreened, event), event, ids)
            case T.NOMINATIONS_PUBLISHED:
                published = _read(NominationsPublished, event)
                store.set_milestone(session, store.NOMINEES, domain.nominee_categories(published))
                self._queue(session, domain.nominations(published, store.screened_entries(session)), event, ids)
            case T.VOTING_PROGRESS:
                self._queue(session, domain.progress(_read(VotingProgress, event)), event, ids)
            case T.VOTING_CLOSED:
                self._queue(session, domain.champions(_read(VotingClosed, event)), event, ids)
            case T.WINNER_RECORDED:
                self._queue(session, [domain.winner(_read(WinnerRecorded, event))], event, ids)
            case T.AWARDS_ANNOUNCED:
                announced = _read(AwardsAnnounced, event)
                store.set_milestone(session, store.ANNOUNCED, {"event_id": event.id})
                titles = {c.submission_id: c.title for c in store.contacts(session, [w.winner for w in announced.categories if w.winner]).values()}
                self._queue(session, domain.awards(announced, titles), event, ids)

    def _received(self, session: Session, received: SubmissionReceived, event: CloudEvent, ids: dict[str, Any]) -> None:
        """Keep the coordinator; address what waited for it, and re-address
        what an amendment's new address should receive instead of the old."""
        c = received.coordinator
        contact = store.save_contact(session, received.submission_id, c.name, c.email, received.title, received.category, received.revision)
        readdressed = 0
        for row in store.unsent_for(session, received.submission_id):
            if store.readdress(session, row, contact):
                readdressed += not row.confidential
                _log_queued(row, {**ids, "readdressed": True})
        log.info("contact.saved", **ids, submission_id=received.submission_id, revision=received.revision, readdressed=readdressed)

    def _screened(self, session: Session, screened: SubmissionScreened, event: CloudEvent, ids: dict[str, Any]) -> None:
        session.merge(store.ScreenedEntry(submission_id=screened.submission_id, category=screened.category))
        notices = [domain.acknowledgement(screened)]
        published = store.milestone(session, store.NOMINEES)
        if published is not None:  # the list came first on another stream: tell this entry too
            notices.append(domain.nomination(screened.submission_id, screened.category, published.data))
        self._queue(session, notices, event, ids)

    def _queue(self, session: Session, notices: Iterable[Notice], cause: CloudEvent, ids: dict[str, Any]) -> None:
        notices = list(notices)
        found = store.contacts(session, sorted({n.submission_id for n in notices}))
        for notice in notices:
            row = store.queue(session, notice, found.get(notice.submission_id), cause.id, utc_iso(cause.time))
            if row is None:
                log.info("notification.already_handled", **ids, **log_fields(notice.occasion, notice.submission_id, notice.week, None, notice.confidential))
            else:
                _log_queued(row, ids)


def _log_queued(row: store.Notification, ids: dict[str, Any]) -> None:
    log.info("notification.queued", **ids, **row_fields(row), waiting_for_address=row.notification_id is None)


M = TypeVar("M", bound=BaseModel)


def _read(model: type[M], event: CloudEvent) -> M:
    try:
        return model.model_validate(event.data)
    except ValidationError as exc:
        problems = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(exc))
        raise InvalidData(f"{event.type} data does not fit the contract: {problems}") from None
