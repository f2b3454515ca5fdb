"""Composing an email from its outbox row, and scrubbing error texts.

Error texts are scrubbed of addresses and names before they go anywhere.

Headers go into the message already folded, as the email package writes
them (`_put`: the same text in, the same bytes out), so that writing a
message does not parse and fold every header again; the constant ones
(sender, date of the second, content headers) are folded once. A short-lined
text body is set the way `set_content` sets it (7bit, or 8bit when it is not
ASCII); a longer-lined one through `set_content` itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from typing import Any

from services.notify.adapters.local import category_name, right_to_left, when
from services.notify.adapters.templates import Templates
from services.notify.adapters.transports import Permanent
from services.notify.adapters.wire import MAX_LINE, Composed, Prefolded, line_limit
from services.notify.store import AnyContact, AnyNotification
from shared.contest import Contest

EMAIL = re.compile(r"[^@\s\"'<>]+@[^@\s\"'<>]+")
# A name and an address the email package would write as they are.
PLAIN_NAME = re.compile(r"[A-Za-z0-9]+( [A-Za-z0-9]+)*")
PLAIN_ID = re.compile(r"[A-Za-z0-9-]{1,60}")
PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")
ERROR_LIMIT = 500
PLAIN_WORD = 60  # a longer word is left to the email package, which may split or encode it


def scrub(text: str, personal: Iterable[str] = ()) -> str:
    """An error text fit for logs and events: no address, no name."""
    for value in personal:
        if value and len(value) > 2:
            text = text.replace(value, "[redacted]")
    return EMAIL.sub("[email]", text)[:ERROR_LIMIT]


def context(row: AnyNotification, contact: AnyContact, contest: Contest, templates: Templates) -> dict[str, Any]:
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


def compose(row: AnyNotification, contact: AnyContact, contest: Contest, templates: Templates, sender: str) -> EmailMessage:
    rendered = templates.render(row.occasion, context(row, contact, contest, templates), contact.language)
    message = Composed()
    _put(message, "From", sender, recurs=True)
    _put_to(message, contact.name, row.recipient)
    _set_subject(message, right_to_left(rendered.subject, rendered.language))
    _put(message, "Date", format_datetime(datetime.now(UTC)), recurs=True)
    # The same id on every try: a mail client or server that sees a second
    # copy after a crash in the send/record window can drop it.
    message_id = f"<{row.notification_id}@wsis-prizes>"
    if PLAIN_ID.fullmatch(str(row.notification_id)):  # a uuid: written as it is
        message.set_raw("Message-ID", message_id)
    else:
        _put(message, "Message-ID", message_id)
    _put(message, "Auto-Submitted", "auto-generated", recurs=True)
    _set_text(message, right_to_left(rendered.body, rendered.language))
    _put(message, "Content-Language", rendered.language, recurs=True)
    return message


def _put_to(message: EmailMessage, name: str, address: str) -> None:
    """`To: Name <address>`: written as it is when nothing in it needs quoting or encoding."""
    if PLAIN_NAME.fullmatch(name) and PLAIN_ADDRESS.fullmatch(address) and len(name) + len(address) + 7 <= MAX_LINE:
        message.set_raw("To", f"{name} <{address}>")
        return
    try:
        to = Address(display_name=name, addr_spec=address)
    except (ValueError, IndexError) as exc:
        raise Permanent(f"unusable recipient address: {type(exc).__name__}") from None
    _put(message, "To", to)


def _put(message: EmailMessage, name: str, value: object, recurs: bool = False) -> None:
    """The header as `policy.default` writes it (folded, encoded), stored as it is written;
    one whose text recurs (the sender, the date of a second) is folded once."""
    text, header = _recurring(name, value) if recurs else _fold(name, value)
    if text.startswith(f"{name}: "):
        message.set_raw(name, text[len(name) + 2 :].removesuffix(policy.default.linesep))
    else:  # folded right after the name: kept parsed, the email package folds it again when writing
        message[name] = header


def _fold(name: str, value: object) -> tuple[str, Any]:
    header = policy.default.header_factory(name, value)
    return policy.default.fold(name, header), header


@lru_cache(maxsize=256)
def _recurring(name: str, value: str) -> tuple[str, Any]:
    return _fold(name, value)


def _set_text(message: Composed, text: str) -> None:
    """`message.set_content(text)`, cheaper for lines short enough to go as they are."""
    lines = text.encode("utf-8").splitlines()
    if max((len(line) for line in lines), default=0) > line_limit(message.policy):
        message.set_content(text)  # quoted-printable or base64, as the email package chooses
        return
    body = b"\n".join(lines) + b"\n"
    message.set_payload(body.decode("ascii", "surrogateescape"))  # what set_content stores for 7bit and 8bit
    message.body = body
    _put(message, "Content-Type", 'text/plain; charset="utf-8"', recurs=True)
    _put(message, "Content-Transfer-Encoding", "7bit" if body.isascii() else "8bit", recurs=True)
    _put(message, "MIME-Version", "1.0", recurs=True)


def _fold_plain(name: str, text: str) -> str | None:
    """`name: text` folded as `policy.default` folds it (a test holds the two
    to the same text), for a text of printable ASCII words between single
    spaces, none of them long or an encoded word; None for any other text,
    which the email package folds. A text that does not fit on the first
    line but would on a line of its own goes whole to the second; a longer
    one is folded at the last space that fits in each line."""
    if not text.isprintable() or "=?" in text or "  " in text or text != text.strip():
        return None
    if len(name) + 2 + len(text) > MAX_LINE >= len(text) + 1:
        return f"{name}:\n {text}"
    words = text.split(" ")
    if max(len(word) for word in words) > PLAIN_WORD:
        return None
    lines, line = [], f"{name}: {words[0]}"
    for word in words[1:]:
        if len(line) + 1 + len(word) <= MAX_LINE:
            line = f"{line} {word}"
        else:
            lines.append(line)
            line = f" {word}"
    lines.append(line)
    return "\n".join(lines)


def _set_subject(message: EmailMessage, subject: str) -> None:
    """A subject that is not ASCII goes in encoded and folded already: the
    email package's own folding (Python 3.11) drops the space where it folds
    between two encoded words, which every long subject in Arabic, Chinese,
    French, Russian or Spanish would hit."""
    if subject.isascii():
        folded = _fold_plain("Subject", subject)
        if folded is None:
            _put(message, "Subject", subject)
        elif folded.startswith("Subject: "):
            message.set_raw("Subject", folded[len("Subject: ") :])
        else:  # moved whole to a second line
            message.set_raw("Subject", Prefolded("Subject", subject, folded))
    else:
        message.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode())
