"""Composing an email from its outbox row, and scrubbing error texts.

Error texts are scrubbed of addresses and names before they go anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

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


def _local(contest: Contest, instant: datetime) -> str:
    return contest.local(instant).strftime("%d %B %Y, %H:%M")


def context(row: Notification, contact: Contact, contest: Contest) -> dict[str, Any]:
    """What a template may use: the row's facts plus the entry and contest basics."""
    category = int(row.facts.get("category", contact.category))
    known = contest.categories.get(category)
    ctx: dict[str, Any] = {
        **row.facts,
        "contest": contest.name,
        "name": contact.name,
        "title": contact.title,
        "submission_id": row.submission_id,
        "week": row.week,
        "category": category,
        "category_title": f"{known.action_line} {known.title}" if known else f"category {category}",
        "submission_close": _local(contest, contest.submission.end),
        "voting_open": _local(contest, contest.voting.start),
        "voting_close": _local(contest, contest.voting.end),
    }
    if "as_of" in row.facts:
        ctx["as_of_local"] = _local(contest, datetime.fromisoformat(row.facts["as_of"]))
    return ctx


def compose(row: Notification, contact: Contact, contest: Contest, templates: Templates, sender: str) -> EmailMessage:
    rendered = templates.render(row.occasion, context(row, contact, contest))
    message = EmailMessage()
    message["From"] = sender
    try:
        message["To"] = Address(display_name=contact.name, addr_spec=row.recipient)
    except (ValueError, IndexError) as exc:
        raise Permanent(f"unusable recipient address: {type(exc).__name__}") from None
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    # The same id on every try: a mail client or server that sees a second
    # copy after a crash in the send/record window can drop it.
    message["Message-ID"] = f"<{row.notification_id}@wsis-prizes>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.body)
    return message
