"""An email as bytes, as the email package writes it, without its cost for the emails compose makes."""

from __future__ import annotations

import re
import sys
from email import policy
from email.headerregistry import AddressHeader
from email.message import EmailMessage
from email.policy import Policy
from functools import lru_cache


def line_limit(of: Policy) -> int:
    """A policy's longest line; its None (no limit) as the largest int."""
    return sys.maxsize if of.max_line_length is None else of.max_line_length


MAX_LINE = line_limit(policy.default)  # a longer header line would be folded again when written


class Prefolded(str):
    """A header value (the text, unfolded) that carries the lines the email
    package writes for it, and gives them to both writers: the email
    package's (through `fold`, as it does for its own header objects) and
    `as_bytes`."""

    name: str
    folded: str  # `Name: ...` and its continuation lines, joined by "\n", no line end

    def __new__(cls, name: str, value: str, folded: str) -> Prefolded:
        made = super().__new__(cls, value)
        made.name, made.folded = name, folded
        return made

    def fold(self, *, policy: Policy) -> str:
        return policy.linesep.join(self.folded.split("\n")) + policy.linesep


class Composed(EmailMessage):
    """An email as compose makes it: with the bytes of its body as they go
    (a 7bit or 8bit text), or None when the email package encoded it."""

    body: bytes | None = None


def as_bytes(message: EmailMessage, linesep: str = "\n") -> bytes:
    """`message.as_bytes()` (with `linesep`), written directly when compose made
    every header's text and a 7bit or 8bit body; else by the email package."""
    body = message.body if isinstance(message, Composed) else None
    if body is None or message.is_multipart():
        return message.as_bytes(policy=message.policy.clone(linesep=linesep))
    lines = []
    for name, value in message.raw_items():
        if type(value) is Prefolded:
            lines.append(linesep.join(value.folded.split("\n")))
            continue
        folded = value.splitlines() if type(value) is str else None  # a parsed header (a str too): the package folds it
        if not folded or "\r" in value or len(name) + 2 + len(folded[0]) > MAX_LINE or any(len(line) > MAX_LINE for line in folded):
            return message.as_bytes(policy=message.policy.clone(linesep=linesep))
        lines.append(f"{name}: {linesep.join(folded)}")
    if linesep != "\n":
        body = body.replace(b"\n", linesep.encode("ascii"))
    return (linesep.join(lines) + linesep + linesep).encode("ascii") + body


# `Name <address>` as compose writes it when nothing needs quoting or encoding.
PLAIN_TO = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)* <([A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>")
OTHER_ENVELOPE = frozenset({"sender", "cc", "bcc", "resent-date", "resent-from", "resent-sender", "resent-to", "resent-cc", "resent-bcc"})


def smtp_envelope(message: EmailMessage) -> tuple[str, str] | None:
    """(sender, recipient) as aiosmtplib's `send_message` takes them from the
    From and To headers, for a message of one From and one To in ASCII (no
    Sender, Cc, Bcc or Resent-); None for any other, which `send_message` reads."""
    found: dict[str, str] = {}
    for name, value in message.raw_items():
        lowered = name.lower()
        if lowered in OTHER_ENVELOPE or (lowered in ("from", "to") and lowered in found):
            return None
        if lowered in ("from", "to"):
            found[lowered] = str(value)
    if "from" not in found or "to" not in found:
        return None
    plain = PLAIN_TO.fullmatch(found["to"])
    sender, recipient = _address("From", found["from"]), plain.group(1) if plain else _address("To", found["to"])
    if sender is None or recipient is None or not (sender + recipient).isascii():
        return None
    return sender, recipient


@lru_cache(maxsize=64)
def _address(name: str, value: str) -> str | None:
    """The one address of an address header, as the email package reads it."""
    header = policy.default.header_factory(name, "".join(value.splitlines()))
    if not isinstance(header, AddressHeader) or len(header.addresses) != 1:
        return None
    return header.addresses[0].addr_spec
