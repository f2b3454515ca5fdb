"""The cheap roads of sending are the same as the exact ones: the bytes of an
email, its folded subject, its SMTP envelope, an outcome event's body, a
notification's row as plain data."""

from __future__ import annotations

import random
import string
from email import message_from_bytes, policy

import pytest
from aiosmtplib.email import extract_recipients, extract_sender

from services.notify import store
from services.notify.adapters.mail import _fold_plain, _set_subject, compose
from services.notify.adapters.templates import LANGUAGES, Templates
from services.notify.adapters.wire import Composed, as_bytes, smtp_envelope
from services.notify.domain import Occasion
from services.notify.reports import outcome_event, published_body
from services.notify.store import Contact, Notification, NotificationRow, Status
from shared import topology
from shared.contest import load_contest
from tests.unit.test_notify_languages import SITUATIONS

CONTEST = load_contest()
TEMPLATES = Templates()
SENDER = "WSIS Prizes <noreply@wsis-prizes.local>"
PEOPLE = [
    ("Amina Otieno", "amina@example.org", "Digital classrooms"),
    ("José Müller-Łukasz", "jose.muller@example.org", "Écoles numériques pour tous"),
    ('O\'Brien, "Pat"', "pat+wsis@example.org", "A title long enough to be folded " * 3),
    ("李小龙", "li@example.cn", "乡村数字图书馆"),
]


def email(situation: str, language: str, person: tuple[str, str, str] = PEOPLE[0]) -> Composed:
    occasion, facts = SITUATIONS[situation]
    name, address, title = person
    row = Notification(notification_id="4c0e3a8e-1b7d-5f0c-9a57-2b1e8a3f3c21", occasion=occasion.value, recipient=address,
                       submission_id="s-1", week=1 if occasion is Occasion.progress else 0, facts=facts, cause_id="c",
                       cause_time="2021-03-08T00:00:00Z")  # fmt: skip
    contact = Contact(submission_id="s-1", name=name, email=address, title=title, category=4, revision=1, language=language)
    message = compose(row, contact, CONTEST, TEMPLATES, SENDER)
    assert isinstance(message, Composed)
    return message


@pytest.mark.parametrize("person", PEOPLE, ids=lambda p: p[1])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_an_email_is_written_as_the_email_package_writes_it(situation, language, person):
    message = email(situation, language, person)

    assert as_bytes(message) == message.as_bytes()
    assert as_bytes(message, "\r\n") == message.as_bytes(policy=policy.SMTP)
    read = message_from_bytes(as_bytes(message), policy=policy.default)
    # (a subject the email package moves whole to a second line its parser reads back with a leading space)
    assert read["Subject"].lstrip() == message["Subject"] and read["To"] == message["To"]
    assert read.get_content() == message.get_content()


def test_the_english_emails_take_the_cheap_road():
    assert email("progress", "en").body is not None


def texts(count: int) -> list[str]:
    rng = random.Random(2021)
    words = string.ascii_letters + string.digits + string.punctuation
    found = []
    for _ in range(count):
        lengths = rng.choices([1, 2, 3, 5, 8, 12, 20, 30, 45, 60, 61], k=rng.randint(1, 20))
        found.append(" ".join("".join(rng.choice(words) for _ in range(n)) for n in lengths))
    return found


def test_a_plain_subject_is_folded_as_the_email_package_folds_it():
    folded_here = 0
    for text in texts(3000):
        mine = _fold_plain("Subject", text)
        if mine is None:
            continue
        folded_here += 1
        assert mine == policy.default.fold("Subject", policy.default.header_factory("Subject", text)).removesuffix("\n"), text
    assert folded_here > 1000


def subject_lines(written: bytes) -> bytes:
    lines = written.split(b"\n")
    first = next(i for i, line in enumerate(lines) if line.startswith(b"Subject:"))
    end = next(i for i in range(first + 1, len(lines)) if not lines[i].startswith(b" "))
    return b"\n".join(lines[first:end])


@pytest.mark.parametrize("length", [60, 69, 70, 77, 78, 120])
def test_a_subject_of_any_length_is_written_as_the_email_package_writes_it(length):
    subject = " ".join(["word"] * 40)[:length].strip()
    message, reference = email("champion", "en"), email("champion", "en")
    del message["Subject"], reference["Subject"]
    _set_subject(message, subject)
    reference["Subject"] = subject

    assert message["Subject"] == subject
    assert subject_lines(as_bytes(message)) == subject_lines(reference.as_bytes())
    assert as_bytes(message) == message.as_bytes() and as_bytes(message, "\r\n") == message.as_bytes(policy=policy.SMTP)


@pytest.mark.parametrize("text", ["=?utf-8?q?hidden?=", "two  spaces", " leading", "tab\there", "x" * 61 + " a long word in a subject that does not fit"])
def test_a_subject_that_is_not_plain_is_left_to_the_email_package(text):
    assert _fold_plain("Subject", text) is None


@pytest.mark.parametrize("person", PEOPLE, ids=lambda p: p[1])
def test_the_smtp_envelope_is_the_one_aiosmtplib_reads_from_the_headers(person):
    message = email("champion", "fr", person)
    assert smtp_envelope(message) == (extract_sender(message), extract_recipients(message)[0])
    assert smtp_envelope(message) == ("noreply@wsis-prizes.local", person[1])


def test_a_message_with_other_envelope_headers_is_left_to_aiosmtplib():
    message = email("champion", "en")
    message["Cc"] = "someone@example.org"
    assert smtp_envelope(message) is None


def row(status: str = Status.sent, **changes: object) -> NotificationRow:
    values: dict[str, object] = {
        "seq": 7, "notification_id": "4c0e3a8e-1b7d-5f0c-9a57-2b1e8a3f3c21", "occasion": "progress", "recipient": "a@example.org",
        "submission_id": "s-1", "week": 2, "key": "", "facts": {}, "status": status, "confidential": False, "held": False, "attempts": 1,
        "next_attempt_at": 0.0, "claimed_by": None, "claimed_at": None, "last_error": None, "cause_id": "voting-progress-2",
        "cause_time": "2021-03-14T23:00:00Z",
    }  # fmt: skip
    values.update(changes)
    return NotificationRow(**values)  # type: ignore[arg-type]  # the test's mix of values, checked by the dataclass


@pytest.mark.parametrize("finished", [
    row(), row(week=0, occasion="acknowledgement"), row(cause_time="2021-03-14T23:00:00.250000Z"),
    row(cause_time="2021-03-15T00:00:00+01:00"), row(Status.failed, last_error="550 refusé: boîte [email] inconnue"),
    row(Status.failed, last_error="   "), row(submission_id=""),
], ids=["sent", "no week", "fraction", "offset", "failed", "blank error", "blank submission"])
def test_an_outcome_events_body_is_the_one_the_contracts_model_makes(finished):
    values = outcome_event(finished, "wsis-prizes/notify")
    kind = "wsis.notification.sent" if finished.status == Status.sent else "wsis.notification.failed"
    data = {"notification_id": finished.notification_id, "occasion": finished.occasion, "submission_id": finished.submission_id,
            "week": finished.week or None, "error": finished.last_error if finished.status == Status.failed else None}  # fmt: skip
    exact = published_body(kind, "wsis-prizes/notify", {k: v for k, v in data.items() if v is not None}, values["id"],
                           finished.cause_time, finished.cause_id)  # fmt: skip
    assert values["body"] == exact
    assert values["stream"] == topology.OUT_NOTIFY and values["cause_key"] == f"notify\x1f{finished.notification_id}"


def test_a_notifications_plain_row_has_the_tables_columns_in_their_order():
    assert tuple(c.name for c in store.NOTIFICATION_COLUMNS) == NotificationRow.__slots__
    assert tuple(c.key for c in store.CONTACT_COLUMNS) == store.ContactRow.__slots__
