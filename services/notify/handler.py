"""The notify service's routes: each inbound event type to its application step.

Nothing is sent here: the steps queue notifications (outbox rows) in the
batch's transaction, and the sender (`adapters/sender.py`) works from them.
Streams are not ordered against each other, so a notice whose coordinator
is not known yet waits for `wsis.submission.received`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import StatementError
from sqlmodel import Session

from services.notify import domain, store, verdicts
from services.notify.domain import Notice
from services.notify.reports import log_fields, row_fields
from shared import topology
from shared.context import Effects, ServiceContext
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
from shared.logs import get_logger

log = get_logger()


class InvalidData(ValueError):
    """An upstream event whose data does not fit the contract. Raised so the
    runtime retries it and then dead-letters it with this message (field
    paths only: never the values, which may be personal)."""


class DatabaseError(RuntimeError):
    """A database failure, told without the statement's values."""


class NotifyHandler:
    tables = store.TABLES
    accepts = topology.NOTIFY.accepts

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.routes: dict[str, Callable[[Session, CloudEvent], Effects]] = {
            T.SUBMISSION_RECEIVED: self.keep_contact,
            T.SUBMISSION_SCREENED: self.acknowledge,
            T.NOMINATIONS_PUBLISHED: self.tell_nominations,
            T.VOTING_PROGRESS: self.tell_progress,
            T.VOTING_CLOSED: self.tell_champions,
            T.WINNER_RECORDED: self.tell_winner,
            T.AWARDS_ANNOUNCED: self.tell_awards,
        }

    def handle(self, session: Session, stream: str, event: CloudEvent) -> Effects:
        step = self.routes.get(event.type)
        if step is None:
            return []  # a type the topology lets pass
        try:
            return step(session, event)
        except StatementError as exc:
            # The database's message carries the statement's parameters (a
            # coordinator's name and address); the runtime logs what is raised.
            raise DatabaseError(f"{type(exc.orig or exc).__name__} while handling {event.type}") from None

    # --- the steps: each queues what its event tells; none publishes -------------

    def keep_contact(self, session: Session, event: CloudEvent) -> Effects:
        """Keep the coordinator; address what waited for it, and re-address
        what an amendment's new address should receive instead of the old."""
        received = _read(SubmissionReceived, event)
        c = received.coordinator
        kept = {"name": c.name, "email": c.email, "language": getattr(c, "language", "en"), "title": received.title,
                "category": received.category, "revision": received.revision}
        contact = store.save_contact(session, received.submission_id, kept)
        readdressed = 0
        for row in store.unsent_for(session, received.submission_id):
            if store.readdress(session, row, contact):
                readdressed += not row.confidential
                _log_queued(row, readdressed=True)
        log.info("contact.saved", submission_id=received.submission_id, revision=received.revision, readdressed=readdressed)
        return []

    def acknowledge(self, session: Session, event: CloudEvent) -> Effects:
        """The first verdict is acknowledged; a later one that changes the
        outcome is told as a change; an email not gone yet takes the latest."""
        screened = _read(SubmissionScreened, event)
        sid = screened.submission_id
        session.merge(store.ScreenedEntry(submission_id=sid, category=screened.category))
        contact = session.get(store.Contact, sid)
        told, pending = store.verdict_told(session, sid, contact.email if contact else "")
        decided = screened.decided_by.model_dump(mode="json") if screened.decided_by else None
        facts = verdicts.verdict_facts(screened, decided, utc_iso(event.time))
        notice = verdicts.verdict(facts, sid, told, contact.revision if contact else 0, event.id)
        notices = _settle_pending(session, pending, notice)
        published = store.milestone(session, store.NOMINEES)
        if published is not None:  # the list came first on another stream: tell this entry too
            notices.append(domain.nomination(sid, screened.category, published.data))
        return _queue(session, notices, event)

    def tell_nominations(self, session: Session, event: CloudEvent) -> Effects:
        published = _read(NominationsPublished, event)
        store.set_milestone(session, store.NOMINEES, domain.nominee_categories(published))
        return _queue(session, domain.nominations(published, store.screened_entries(session)), event)

    def tell_progress(self, session: Session, event: CloudEvent) -> Effects:
        return _queue(session, domain.progress(_read(VotingProgress, event)), event)

    def tell_champions(self, session: Session, event: CloudEvent) -> Effects:
        return _queue(session, domain.champions(_read(VotingClosed, event)), event)

    def tell_winner(self, session: Session, event: CloudEvent) -> Effects:
        return _queue(session, [domain.winner(_read(WinnerRecorded, event))], event)

    def tell_awards(self, session: Session, event: CloudEvent) -> Effects:
        announced = _read(AwardsAnnounced, event)
        store.set_milestone(session, store.ANNOUNCED, {"event_id": event.id})
        winners = [w.winner for w in announced.categories if w.winner]
        titles = {c.submission_id: c.title for c in store.contacts(session, winners).values()}
        return _queue(session, domain.awards(announced, titles), event)


def _queue(session: Session, notices: Iterable[Notice], cause: CloudEvent) -> Effects:
    notices = list(notices)
    found = store.contact_rows(session, sorted({n.submission_id for n in notices}))
    for notice, row in zip(notices, store.queue(session, notices, found, cause.id, utc_iso(cause.time)), strict=True):
        if row is None:
            fields = log_fields(notice.occasion, notice.submission_id, notice.week, None, notice.confidential)
            log.info("notification.already_handled", **fields)
        else:
            _log_queued(row)
    return []


def _log_queued(row: store.AnyNotification, **extra: bool) -> None:
    log.info("notification.queued", **row_fields(row), waiting_for_address=row.notification_id is None, **extra)


def _settle_pending(session: Session, pending: store.Notification | None, notice: Notice | None) -> list[Notice]:
    """An email about the verdict not gone yet takes the notice's facts, or
    is withdrawn when there is nothing left to tell; else the notice is new."""
    if pending is None:
        return [notice] if notice else []
    if notice is None:
        store.withdraw(session, pending)
        log.info("notification.withdrawn", **row_fields(pending))
    else:
        store.refresh(session, pending, dict(notice.facts))
        _log_queued(pending)
    return []


M = TypeVar("M", bound=BaseModel)


def _read(model: type[M], event: CloudEvent) -> M:
    try:
        return model.model_validate(event.data)
    except ValidationError as exc:
        problems = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(exc))
        raise InvalidData(f"{event.type} data does not fit the contract: {problems}") from None
