"""The audit trail of staff decisions on screening (CONTRACT 5.1): inserts only.

Every accepted decision is a row: when (the event's business time), who,
on which entry and revision, what they decided and why, what the machine
had said, and the id of the event that carried it. The decision standing
on a revision is the latest row for it; nothing is ever updated or deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, Text
from sqlmodel import Field, Session, SQLModel, col, select

from services.eligibility.domain.decisions import Standing
from shared.audit import AppendOnlyError, append_only

__all__ = ["TABLES", "AppendOnlyError", "StaffDecisionRow", "record", "standing", "trail"]


class StaffDecisionRow(SQLModel, table=True):
    __tablename__ = "eligibility_staff_decision"
    __table_args__ = (Index("ix_eligibility_staff_decision_entry", "submission_id", "revision", "seq"),)

    seq: int | None = Field(default=None, primary_key=True)
    event_id: str  # the event that carried it (a redelivery is recognised by the inbox first)
    decided_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    staff_member_id: str
    submission_id: str
    revision: int
    outcome: str
    reason: str = Field(sa_column=Column(Text, nullable=False))
    machine_outcome: str


TABLES = (StaffDecisionRow,)


append_only(StaffDecisionRow)


def record(session: Session, event_id: str, decided_at: datetime, sid: str, standing: Standing, machine_outcome: str) -> None:
    session.add(
        StaffDecisionRow(
            event_id=event_id, decided_at=decided_at, staff_member_id=standing.staff_member_id, submission_id=sid,
            revision=standing.revision, outcome=standing.outcome, reason=standing.reason, machine_outcome=machine_outcome,
        )
    )
    session.flush()


def standing(session: Session, sid: str, revision: int) -> Standing | None:
    """The latest decision on this revision of the entry, if staff decided on it."""
    query = (
        select(StaffDecisionRow)
        .where(StaffDecisionRow.submission_id == sid, StaffDecisionRow.revision == revision)
        .order_by(col(StaffDecisionRow.seq).desc())
        .limit(1)
    )
    row = session.exec(query).first()
    return Standing(row.revision, row.outcome, row.staff_member_id, row.reason) if row else None


def trail(session: Session, sid: str | None = None) -> list[StaffDecisionRow]:
    """Every decision (of one entry), oldest first."""
    query = select(StaffDecisionRow).order_by(col(StaffDecisionRow.seq))
    if sid is not None:
        query = query.where(StaffDecisionRow.submission_id == sid)
    return list(session.exec(query).all())
