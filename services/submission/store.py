"""The submission service's tables: every entry's latest revision and its history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel

from services.submission.domain import StoredEntry
from shared.events import SubmissionReceived


class SubmissionEntry(SQLModel, table=True):
    __tablename__ = "submission_entry"

    submission_id: str = Field(primary_key=True)
    revision: int
    content_hash: str
    received_at: datetime
    entity_id: str = Field(index=True)
    category: int
    data: dict = Field(sa_column=Column(JSON, nullable=False))


class SubmissionRevision(SQLModel, table=True):
    """Every accepted revision, kept: what a coordinator sent, when."""

    __tablename__ = "submission_revision"

    submission_id: str = Field(primary_key=True)
    revision: int = Field(primary_key=True)
    event_id: str
    received_at: datetime
    data: dict = Field(sa_column=Column(JSON, nullable=False))


TABLES = (SubmissionEntry, SubmissionRevision)


def load(session: Session, submission_id: str) -> StoredEntry | None:
    row = session.get(SubmissionEntry, submission_id)
    if row is None:
        return None
    return StoredEntry(row.submission_id, row.revision, row.content_hash, SubmissionReceived.model_validate(row.data))


def save(session: Session, received: SubmissionReceived, digest: str, event_id: str) -> None:
    data = received.model_dump(mode="json")
    row = session.get(SubmissionEntry, received.submission_id)
    if row is None:
        row = SubmissionEntry(submission_id=received.submission_id, revision=0, content_hash="", received_at=received.received_at, entity_id="", category=0, data={})
    row.revision = received.revision
    row.content_hash = digest
    row.received_at = received.received_at
    row.entity_id = received.entity.entity_id
    row.category = received.category
    row.data = data
    session.add(row)
    session.add(
        SubmissionRevision(
            submission_id=received.submission_id,
            revision=received.revision,
            event_id=event_id,
            received_at=received.received_at,
            data=data,
        )
    )
