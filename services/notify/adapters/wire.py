"""An email as bytes, as the email package writes it, without its cost for the emails compose makes."""

from __future__ import annotations

import sys
from email import policy
from email.message import EmailMessage
from email.policy import Policy


def line_limit(of: Policy) -> int:
    """A policy's longest line; its None (no limit) as the largest int."""
    return sys.maxsize if of.max_line_length is None else of.max_line_length


MAX_LINE = line_limit(policy.default)  # a longer header line would be folded again when written


def as_bytes(message: EmailMessage, linesep: str = "\n") -> bytes:
    """`message.as_bytes()` (with `linesep`), written directly when compose made
    every header's text and a 7bit or 8bit body; else by the email package."""
    lines = []
    for name, value in message.raw_items():
        folded = value.splitlines() if type(value) is str else None  # a parsed header (a str too): the package folds it
        if not folded or "\r" in value or len(name) + 2 + len(folded[0]) > MAX_LINE or any(len(line) > MAX_LINE for line in folded):
            return message.as_bytes(policy=message.policy.clone(linesep=linesep))
        lines.append(f"{name}: {linesep.join(folded)}")
    if message.is_multipart() or str(message.get("Content-Transfer-Encoding", "")) not in ("7bit", "8bit"):
        return message.as_bytes(policy=message.policy.clone(linesep=linesep))
    body: bytes = message.get_payload(decode=True)  # type: ignore[assignment]  # 7bit and 8bit bodies as they go
    if linesep != "\n":
        body = body.replace(b"\n", linesep.encode("ascii"))
    return (linesep.join(lines) + linesep + linesep).encode("ascii") + body
