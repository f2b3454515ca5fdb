"""Composing an email from its outbox row, and scrubbing error texts.

Error texts are scrubbed of addresses and names before they go anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timezone
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from services.notify.adapters.local import category_name, right_to_left, when
from services.notify.adapters.templates import Templates
from services.notify.adapters.transports import Permanent
from services.notify.store import Contact, Notification
from shared.contest import Contest

EMAIL = re.compile(r"[^@\s\"'<>]+@[^@\s\"'<>]+")
ERROR_LIMIT = 500


def scrub(text: str, personal: Iterable[str] = ()) -> str:
    """An error text fit for logs and events: no address, no name."""
    for value in personal:
        if value and len(value) > 2:
            text = text.replace(value, "[redacted]")
    return EMAIL.sub("[email]", text)[:ERROR_LIMIT]


def context(row: Notification, contact: Contact, contest: Contest, templates: Templates) -> dict[str, Any]:
    """What a template may use: the row's facts plus the entry and contest
    basics, in the coordinator's language, true at the time of the verdict."""
    language = contact.language

    def local(instant: datetime) -> str:
        return when(contest.local(instant), language)

    category = int(row.facts.get("category", contact.category))
    known = contest.categories.get(category)
    # Corrections are invited only while the submission phase is open at
    # the business time of the event the email tells.
    told_at = datetime.fromisoformat(str(row.facts.get("screened_at") or row.cause_time).replace("Z", "+00:00"))
    ctx: dict[str, Any] = {
        "decided_by": None,
        "previous": None,
        **row.facts,
        "contest": contest.name,
        "name": contact.name,
        "title": contact.title,
        "submission_id": row.submission_id,
        "week": row.week,
        "category": category,
        "category_title": f"{known.action_line} {category_name(templates.folder, known.title, language)}" if known else str(category),
        "phase_open": told_at in contest.submission,
        "submission_close": local(contest.submission.end),
        "voting_open": local(contest.voting.start),
        "voting_close": local(contest.voting.end),
    }
    if "as_of" in row.facts:
        ctx["as_of_local"] = local(datetime.fromisoformat(row.facts["as_of"]))
    return ctx


def compose(row: Notification, contact: Contact, contest: Contest, templates: Templates, sender: str) -> EmailMessage:
    rendered = templates.render(row.occasion, context(row, contact, contest, templates), contact.language)
    message = EmailMessage()
    message["From"] = sender
    try:
        message["To"] = Address(display_name=contact.name, addr_spec=row.recipient)
    except (ValueError, IndexError) as exc:
        raise Permanent(f"unusable recipient address: {type(exc).__name__}") from None
    _set_subject(message, right_to_left(rendered.subject, rendered.language))
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    # The same id on every try: a mail client or server that sees a second
    # copy after a crash in the send/record window can drop it.
    message["Message-ID"] = f"<{row.notification_id}@wsis-prizes>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(right_to_left(rendered.body, rendered.language))
    message["Content-Language"] = rendered.language  # after set_content, which clears Content-* headers
    return message


def _set_subject(message: EmailMessage, subject: str) -> None:
    """A subject that is not ASCII goes in encoded and folded already: the
    email package's own folding (Python 3.11) drops the space where it folds
    between two encoded words, which every long subject in Arabic, Chinese,
    French, Russian or Spanish would hit."""
    if subject.isascii():
        message["Subject"] = subject
    else:
        message.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode())
