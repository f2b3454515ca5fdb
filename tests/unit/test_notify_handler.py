"""The handler's bookkeeping on a real (SQLite) session: the outbox key, addresses, late facts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, create_engine, select

from services.notify import store
from services.notify.handler import NotifyHandler
from services.notify.store import Notification, Status
from shared.envelope import CloudEvent
from shared.logs import configure_logging
from tests.support.factories import submission

AT = datetime(2021, 1, 10, tzinfo=UTC)


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


def mark_sent(session: Session, occasion: str = "acknowledgement") -> None:
    for row in session.exec(select(Notification).where(Notification.occasion == occasion)):
        row.status = Status.sent
        session.add(row)
    session.commit()


def test_a_verdict_after_the_email_went_that_changes_the_outcome_is_told_once(session):
    # CONTRACT 5.5 (version 2): a changed outcome after the first email gets
    # its own email; before, a verdict after the email went changed nothing.
    handle(session, received("a@example.org", 1, 1), screened(2))
    mark_sent(session)

    handle(session, screened(3, "ineligible"), screened(3, "ineligible"), screened(4, "ineligible"))

    assert rows(session) == [("acknowledgement", "a@example.org", Status.sent), ("verdict_changed", "a@example.org", Status.ready)]
    change = session.exec(select(Notification).where(Notification.occasion == "verdict_changed")).one()
    assert (change.facts["outcome"], change.facts["previous"]) == ("ineligible", "eligible")
    assert change.key == "ineligible|r1|e-3" and change.notification_id not in (None, "")


def test_a_verdict_that_keeps_the_outcome_told_sends_nothing(session):
    handle(session, received("a@example.org", 1, 1), screened(2))
    mark_sent(session)

    handle(session, screened(3, "eligible"))

    assert rows(session) == [("acknowledgement", "a@example.org", Status.sent)]


def test_each_change_that_went_is_followed_by_the_next(session):
    handle(session, received("a@example.org", 1, 1), screened(2, "needs_review"))
    mark_sent(session)
    handle(session, screened(3, "ineligible"))
    mark_sent(session, "verdict_changed")

    handle(session, received("a@example.org", 2, 4), screened(5, "eligible"))

    changes = session.exec(select(Notification).where(Notification.occasion == "verdict_changed").order_by(Notification.seq)).all()
    assert [(c.facts["previous"], c.facts["outcome"], c.key, c.status) for c in changes] == [
        ("needs_review", "ineligible", "ineligible|r1|e-3", Status.sent),
        ("ineligible", "eligible", "eligible|r2|e-5", Status.ready),
    ]


def test_a_change_not_sent_yet_takes_the_next_verdict_and_is_withdrawn_when_undone(session):
    handle(session, received("a@example.org", 1, 1), screened(2, "needs_review"))
    mark_sent(session)
    handle(session, screened(3, "ineligible"), screened(4, "eligible"))
    (change,) = session.exec(select(Notification).where(Notification.occasion == "verdict_changed")).all()
    assert (change.facts["previous"], change.facts["outcome"]) == ("needs_review", "eligible")

    handle(session, screened(5, "needs_review"))  # back to what the coordinator was told: nothing to correct

    assert rows(session) == [("acknowledgement", "a@example.org", Status.sent)]


def test_a_staff_decision_is_told_with_its_reason_and_never_the_staff_members_id(session):
    handle(session, received("a@example.org", 1, 1), screened(2, "needs_review"))
    mark_sent(session)
    decision = screened(3, "eligible")
    decision.data["decided_by"] = {"staff_member_id": "staff-7", "reason": "The project was completed in 2020.", "machine_outcome": "needs_review"}

    handle(session, decision)

    change = session.exec(select(Notification).where(Notification.occasion == "verdict_changed")).one()
    assert change.facts["decided_by"] == {"reason": "The project was completed in 2020.", "machine_outcome": "needs_review"}
    assert "staff-7" not in str(change.facts)


def test_the_coordinators_language_is_kept_with_the_contact(session):
    data = submission("s-1", coordinator={"name": "Amina Otieno", "email": "a@example.org", "language": "fr"})
    handle(session, event("wsis.submission.received", {**data, "received_at": "2021-01-10T00:00:00Z", "revision": 1}, 1))
    assert session.get(store.Contact, "s-1").language == "fr"


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
