"""Intake of project entries (CONTRACT 5.1): schema, repeats, amendments, deadline.

Pure: data in, decision out. The handler stores and publishes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from shared.contest import Contest
from shared.envelope import field_errors
from shared.events import (
    FieldError,
    SubmissionReceived,
    SubmissionRejected,
    SubmissionSubmitted,
)


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """What intake remembers of an entry: its latest revision."""

    submission_id: str
    revision: int
    content_hash: str
    received: SubmissionReceived


@dataclass(frozen=True, slots=True)
class Accept:
    """Store this revision and announce it. `is_new` is false for an unchanged repeat."""

    received: SubmissionReceived
    content_hash: str
    is_new: bool


@dataclass(frozen=True, slots=True)
class Reject:
    rejected: SubmissionRejected
    why: str


Decision = Accept | Reject


def content_hash(entry: SubmissionSubmitted) -> str:
    # An entry without an owner hashes as it did before `owner` existed: a resend is still a repeat.
    fields = entry.model_dump(mode="json", exclude={"owner"} if entry.owner is None else None)
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def submission_id_of(data: dict[str, Any]) -> str | None:
    value = data.get("submission_id")
    return value.strip() or None if isinstance(value, str) else None


def decide(
    data: dict[str, Any],
    time: datetime,
    stored: StoredEntry | None,
    contest: Contest,
    *,
    in_future: bool = False,
) -> Decision:
    """What to do with a `wsis.submission.submitted` whose business time is `time`."""
    try:
        entry = SubmissionSubmitted.model_validate(data)
    except ValidationError as exc:
        errors = [FieldError(**e) for e in field_errors(exc)]
        return Reject(SubmissionRejected(submission_id=submission_id_of(data), errors=errors), "schema")
    if in_future:
        message = "time_in_future: the event is stamped more than 5 minutes ahead of the service's clock"
        return Reject(_refusal(entry.submission_id, message), "time_in_future")

    digest = content_hash(entry)
    if stored is None:
        return Accept(_received(entry, time, 1), digest, is_new=True)
    if stored.content_hash == digest:
        return Accept(stored.received, digest, is_new=False)
    if time >= contest.submission.end:
        close = contest.local(contest.submission.end).strftime("%Y-%m-%d %H:%M %Z")
        message = f"deadline: amendments close with the submission phase at {close} (Geneva time)"
        return Reject(_refusal(entry.submission_id, message), "deadline")
    return Accept(_received(entry, time, stored.revision + 1), digest, is_new=True)


def _received(entry: SubmissionSubmitted, time: datetime, revision: int) -> SubmissionReceived:
    return SubmissionReceived(**entry.model_dump(), received_at=time, revision=revision)


def _refusal(submission_id: str, message: str) -> SubmissionRejected:
    return SubmissionRejected(submission_id=submission_id, errors=[FieldError(field="time", message=message)])
