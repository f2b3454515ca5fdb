"""The notify service's tables: coordinators, screened entries, milestones, the mail outbox.

The outbox row of a notification is keyed by (occasion, recipient,
submission, week): it is written in the inbound batch's transaction, and the
sender decides from it alone whether an email still has to go.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Table, UniqueConstraint, insert
from sqlmodel import Field, Session, SQLModel, col, select

from services.notify.domain import Notice, Occasion, notification_id
from services.notify.verdicts import OCCASIONS as VERDICT_OCCASIONS
from services.notify.verdicts import Told


class Status(StrEnum):
    waiting = "waiting"  # the coordinator's address is not known yet
    ready = "ready"  # due at `next_attempt_at`
    sending = "sending"  # claimed by a sender; see docs/notify.md for the window
    sent = "sent"
    failed = "failed"


class Contact(SQLModel, table=True):
    """An entry's coordinator, from `wsis.submission.received`: personal data, kept here only."""

    __tablename__ = "notify_contact"

    submission_id: str = Field(primary_key=True)
    name: str
    email: str
    title: str
    category: int
    revision: int
    address_no: int = 0  # +1 each time an amendment changes the address
    language: str = "en"  # the coordinator's: chooses the templates


class ScreenedEntry(SQLModel, table=True):
    """Entries told their verdict: they are told whether they were nominated."""

    __tablename__ = "notify_screened"

    submission_id: str = Field(primary_key=True)
    category: int


class Milestone(SQLModel, table=True):
    """Contest-wide facts: the published nominee list, the announcement."""

    __tablename__ = "notify_milestone"

    name: str = Field(primary_key=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


NOMINEES = "nominees_published"
ANNOUNCED = "awards_announced"


class Notification(SQLModel, table=True):
    __tablename__ = "notify_notification"
    __table_args__ = (
        UniqueConstraint("occasion", "recipient", "submission_id", "week", "key", name="uq_notify_once"),
        Index("ix_notify_due", "status", "next_attempt_at"),
    )

    seq: int | None = Field(default=None, primary_key=True)
    notification_id: str | None = Field(default=None, unique=True)
    occasion: str
    recipient: str = ""  # the address; empty while waiting for it
    submission_id: str = Field(index=True)
    week: int = 0
    key: str = ""  # one verdict change among others: its outcome, revision and cause
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=Status.ready)
    confidential: bool = False
    held: bool = Field(default=False, index=True)  # its sent/failed event waits for the announcement
    attempts: int = 0
    next_attempt_at: float = 0.0  # epoch seconds, wall clock: operational, not business time
    claimed_by: str | None = None
    claimed_at: float | None = None
    last_error: str | None = None
    cause_id: str
    cause_time: str


TABLES = (Contact, ScreenedEntry, Milestone, Notification)


@dataclass(slots=True)
class NotificationRow:
    """A notification's row as plain data, for the thousands a progress
    report queues and the sender claims at a time (an ORM object costs
    about a hundred times more to make). The fields of `Notification`."""

    seq: int | None
    notification_id: str | None
    occasion: str
    recipient: str
    submission_id: str
    week: int
    key: str
    facts: dict[str, Any]
    status: str
    confidential: bool
    held: bool
    attempts: int
    next_attempt_at: float
    claimed_by: str | None
    claimed_at: float | None
    last_error: str | None
    cause_id: str
    cause_time: str

    def values(self) -> dict[str, Any]:
        """The row's columns but `seq`, for an INSERT."""
        return {name: getattr(self, name) for name in NOTIFICATION_VALUES}


@dataclass(frozen=True, slots=True)
class ContactRow:
    """A coordinator as plain data: the fields of `Contact`."""

    submission_id: str
    name: str
    email: str
    title: str
    category: int
    revision: int
    address_no: int
    language: str


# SQLModel gives a table model its __table__ when the class is made; its type does not declare it.
NOTIFICATION_TABLE: Table = Notification.__table__  # type: ignore[attr-defined]
NOTIFICATION_COLUMNS = tuple(NOTIFICATION_TABLE.c)
NOTIFICATION_VALUES = tuple(c.name for c in NOTIFICATION_COLUMNS if c.name != "seq")
CONTACT_COLUMNS = tuple(getattr(Contact, name) for name in ContactRow.__slots__)
AnyNotification = Notification | NotificationRow
AnyContact = Contact | ContactRow


def milestone(session: Session, name: str) -> Milestone | None:
    return session.get(Milestone, name)


def set_milestone(session: Session, name: str, data: dict[str, Any]) -> None:
    row = session.get(Milestone, name) or Milestone(name=name)
    row.data = data
    session.add(row)


def save_contact(session: Session, submission_id: str, received: dict[str, Any]) -> Contact:
    """The latest revision wins; a changed address gets the next address number.
    `received` holds the Contact's fields but the address number."""
    row = session.get(Contact, submission_id)
    if row is None:
        row = Contact(submission_id=submission_id, **received)
    elif received["revision"] >= row.revision:
        if received["email"].lower() != row.email.lower():
            row.address_no += 1
        for name, value in received.items():
            setattr(row, name, value)
    session.add(row)
    return row


def contacts(session: Session, ids: list[str]) -> dict[str, Contact]:
    found: dict[str, Contact] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update({c.submission_id: c for c in session.exec(select(Contact).where(col(Contact.submission_id).in_(chunk)))})
    return found


def contact_rows(session: Session, ids: list[str]) -> dict[str, ContactRow]:
    """`contacts` as plain data (pending changes of the session flushed first)."""
    found: dict[str, ContactRow] = {}
    for start in range(0, len(ids), 500):
        query = select(*CONTACT_COLUMNS).where(col(Contact.submission_id).in_(ids[start : start + 500]))
        found.update((r[0], ContactRow(*r)) for r in session.execute(query))
    return found


def queue(
    session: Session, notices: list[Notice], found: Mapping[str, AnyContact], cause_id: str, cause_time: str
) -> list[AnyNotification | None]:
    """Queue each notice once per (occasion, recipient, submission, week, key).

    A notice not sent yet takes the latest facts (a re-screened entry is told
    its latest verdict); one already claimed, sent or failed is left alone.
    Returns, for each notice, the row when something changed. The rows
    already there are read with one query per 500 entries; the new ones are
    written with one INSERT of many rows, not as ORM objects.
    """
    existing = _queued(session, notices)
    new: dict[tuple[str, str, str, int, str], NotificationRow] = {}
    changed: list[AnyNotification | None] = []
    for notice in notices:
        contact = found.get(notice.submission_id)
        once = (notice.occasion.value, contact.email if contact else "", notice.submission_id, notice.week, notice.key)
        row = existing.get(once)
        if row is not None:
            if row.status not in (Status.waiting, Status.ready):
                changed.append(None)
                continue
            row.facts = dict(notice.facts)
            session.add(row)
            changed.append(row)
            continue
        fresh = new.get(once)
        if fresh is not None:  # twice in one event: the later facts
            fresh.facts = dict(notice.facts)
        else:
            fresh = new[once] = NotificationRow(
                seq=None, notification_id=None, occasion=notice.occasion.value, recipient="", submission_id=notice.submission_id,
                week=notice.week, key=notice.key, facts=dict(notice.facts), status=Status.waiting, confidential=notice.confidential,
                held=False, attempts=0, next_attempt_at=0.0, claimed_by=None, claimed_at=None, last_error=None, cause_id=cause_id,
                cause_time=cause_time,
            )  # fmt: skip
            if contact is not None:
                address(fresh, contact)
        changed.append(fresh)
    if new:
        session.flush()  # the ORM's pending changes first: the INSERT below does not go through it
        session.execute(insert(NOTIFICATION_TABLE), [row.values() for row in new.values()])
    return changed


def _queued(session: Session, notices: list[Notice]) -> dict[tuple[str, str, str, int, str], Notification]:
    """The rows the notices may already have, by their once-key."""
    ids = sorted({n.submission_id for n in notices})
    occasions = sorted({n.occasion.value for n in notices})
    weeks = sorted({n.week for n in notices})
    rows: dict[tuple[str, str, str, int, str], Notification] = {}
    for start in range(0, len(ids), 500):
        query = select(Notification).where(
            col(Notification.submission_id).in_(ids[start : start + 500]),
            col(Notification.occasion).in_(occasions),
            col(Notification.week).in_(weeks),
        )
        rows.update(((r.occasion, r.recipient, r.submission_id, r.week, r.key), r) for r in session.exec(query))
    return rows


def readdress(session: Session, row: Notification, contact: Contact) -> bool:
    """Point an unsent notification at the contact's current address, unless
    that address already has its own for the same occasion and week."""
    taken = select(Notification.seq).where(
        Notification.occasion == row.occasion,
        Notification.recipient == contact.email,
        Notification.submission_id == row.submission_id,
        Notification.week == row.week,
        Notification.key == row.key,
    )
    if row.recipient == contact.email or session.exec(taken).first() is not None:
        return False
    address(row, contact)
    session.add(row)
    return True


def address(row: AnyNotification, contact: AnyContact) -> None:
    row.recipient = contact.email
    row.notification_id = notification_id(row.occasion, row.submission_id, row.week, contact.address_no, row.key)
    row.status = Status.ready
    row.next_attempt_at = time.time()


def unsent_for(session: Session, submission_id: str) -> list[Notification]:
    """The entry's notifications not claimed yet: waiting for an address, or due."""
    query = select(Notification).where(
        Notification.submission_id == submission_id, col(Notification.status).in_([Status.waiting, Status.ready])
    )
    return list(session.exec(query).all())


def screened_entries(session: Session) -> dict[str, int]:
    return {row.submission_id: row.category for row in session.exec(select(ScreenedEntry))}


def verdict_told(session: Session, submission_id: str, recipient: str) -> tuple[Told, Notification | None]:
    """What the address has heard of the entry's verdict, and the email about
    it still queued (not claimed yet), if one is."""
    query = select(Notification).where(
        Notification.submission_id == submission_id,
        Notification.recipient == recipient,
        col(Notification.occasion).in_(VERDICT_OCCASIONS),
    )
    outcome, pending = None, None
    for row in session.exec(query.order_by(col(Notification.seq))):
        if row.status in (Status.waiting, Status.ready):
            pending = row
        else:
            outcome = row.facts.get("outcome")
    return Told(outcome, Occasion(pending.occasion) if pending else None), pending


def refresh(session: Session, row: Notification, facts: dict[str, Any]) -> None:
    row.facts = facts
    session.add(row)


def withdraw(session: Session, row: Notification) -> None:
    """An email not claimed yet whose news was undone: nothing went, nothing is reported."""
    session.delete(row)
