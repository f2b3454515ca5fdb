"""The handler's bookkeeping on a real (SQLite) session: the outbox key, addresses, late facts."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, create_engine, select

from services.notify import store
from services.notify.handler import NotifyHandler
from services.notify.store import Notification, Status
from shared.envelope import CloudEvent
from shared.logs import configure_logging
from tests.support.factories import submission

AT = datetime(2021, 1, 10, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _logs():
    configure_logging("notify", "INFO", "json")  # to this test's stderr, whatever an earlier test left


@pytest.fixture
def session(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'notify.sqlite'}")
    SQLModel.metadata.create_all(engine, tables=[t.__table__ for t in store.TABLES])  # type: ignore[attr-defined]
    with Session(engine) as session:
        yield session


def event(kind: str, data: dict[str, Any], n: int) -> CloudEvent:
    return CloudEvent(specversion="1.0", id=f"e-{n}", source="tests", type=kind, time=AT, data=data)


def received(email: str, revision: int, n: int) -> CloudEvent:
    data = submission("s-1", coordinator={"name": "Amina Otieno", "email": email})
    return event("wsis.submission.received", {**data, "received_at": "2021-01-10T00:00:00Z", "revision": revision}, n)


def screened(n: int, outcome: str = "eligible") -> CloudEvent:
    data = {"submission_id": "s-1", "entity_id": "org-1", "category": 4, "outcome": outcome, "rules": [], "nominable": True}
    return event("wsis.submission.screened", data, n)


def handle(session: Session, *events: CloudEvent) -> None:
    handler = NotifyHandler(ctx=None)  # type: ignore[arg-type]
    for e in events:
        handler.handle(session, "tests", e)
        session.commit()


def rows(session: Session) -> list[tuple[str, str, str]]:
    return [(r.occasion, r.recipient, r.status) for r in session.exec(select(Notification).order_by(Notification.seq))]


def test_a_verdict_before_the_address_waits_then_takes_the_address(session):
    handle(session, screened(1))
    assert rows(session) == [("acknowledgement", "", Status.waiting)]
    (waiting,) = session.exec(select(Notification)).all()
    assert waiting.notification_id is None

    handle(session, received("a@example.org", 1, 2))

    assert rows(session) == [("acknowledgement", "a@example.org", Status.ready)]


def test_a_second_verdict_before_sending_updates_the_facts_of_the_one_email(session):
    handle(session, received("a@example.org", 1, 1), screened(2, "needs_review"), screened(3, "eligible"))

    (row,) = session.exec(select(Notification)).all()
    assert row.facts["outcome"] == "eligible"


def test_a_verdict_after_the_email_went_changes_nothing(session):
    handle(session, received("a@example.org", 1, 1), screened(2))
    row = session.exec(select(Notification)).one()
    row.status = Status.sent
    session.add(row)
    session.commit()

    handle(session, screened(3, "ineligible"))

    assert rows(session) == [("acknowledgement", "a@example.org", Status.sent)]


def test_an_address_changed_and_changed_back_never_gives_one_address_two_emails_of_one_occasion(session):
    handle(session, received("a@example.org", 1, 1), screened(2))
    sent = session.exec(select(Notification)).one()
    sent.status = Status.sent
    session.add(sent)
    session.commit()
    handle(session, received("b@example.org", 2, 3), screened(4))
    assert rows(session)[1] == ("acknowledgement", "b@example.org", Status.ready)

    handle(session, received("a@example.org", 3, 5))  # a already had this occasion: b keeps its email

    assert rows(session) == [("acknowledgement", "a@example.org", Status.sent), ("acknowledgement", "b@example.org", Status.ready)]
    assert session.get(store.Contact, "s-1").address_no == 2


def test_a_changed_address_takes_over_the_emails_not_sent_yet_with_a_new_notification_id(session):
    handle(session, received("a@example.org", 1, 1), screened(2))
    before = session.exec(select(Notification)).one().notification_id

    handle(session, received("b@example.org", 2, 3))

    row = session.exec(select(Notification)).one()
    assert (row.recipient, row.status) == ("b@example.org", Status.ready) and row.notification_id != before


def test_an_older_revision_read_late_does_not_bring_back_the_old_address(session):
    handle(session, received("b@example.org", 2, 1), received("a@example.org", 1, 2), screened(3))
    assert rows(session) == [("acknowledgement", "b@example.org", Status.ready)]
