"""The judging service's tables.

The audit trail (`PanelDecision`, `DecisionOutcome`) and the winners are
append-only: the service has no path that changes or deletes a row of them,
and the ORM refuses one (`AppendOnlyError`). The other tables are working
state: copies of upstream facts, the places a category has left, and the
decisions that wait for a fact.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.audit import append_only


class PanelDecision(SQLModel, table=True):
    """Every panel event as it came: who, when (business time), which event."""

    __tablename__ = "judging_panel_decision"

    seq: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(unique=True)  # source + id: the event that carried it
    event_id: str
    kind: str  # the event type
    panel_member_id: str | None = None  # None only when the data did not fit the schema
    submission_id: str | None = Field(default=None, index=True)
    category: int | None = None
    decided_at: datetime  # the event's business time
    received_at: datetime  # the service's wall clock
    event: str = Field(sa_column=Column(Text, nullable=False))  # the whole CloudEvent JSON


class DecisionOutcome(SQLModel, table=True):
    """What became of a decision; one row each, written once it is settled."""

    __tablename__ = "judging_decision_outcome"

    decision_seq: int = Field(primary_key=True)
    outcome: str  # recorded, refused, withdrawn, ignored, announced
    reason: str | None = None
    why: str | None = None
    settled_by: str  # the key of the event whose handling settled it
    settled_at: datetime


class CategoryWinner(SQLModel, table=True):
    """The panel's final choice; the primary key makes it once per category."""

    __tablename__ = "judging_category_winner"

    category: int = Field(primary_key=True)
    submission_id: str
    decision_seq: int


class HeldDecision(SQLModel, table=True):
    """A decision waiting for a fact that business time says must exist."""

    __tablename__ = "judging_held_decision"

    decision_seq: int = Field(primary_key=True)
    queue: str = Field(index=True)
    kind: str  # the event type, to tell cheaply whether it can move yet
    submission_id: str | None = Field(default=None, index=True)


class NomineePlace(SQLModel, table=True):
    """A place among a category's nominees. `place` runs 1..quota and is
    unique per category, so two replicas cannot fill a 21st place."""

    __tablename__ = "judging_nominee_place"
    __table_args__ = (UniqueConstraint("category", "place"),)

    submission_id: str = Field(primary_key=True)  # no double nomination
    category: int = Field(index=True)
    place: int
    decision_seq: int


class EntryVerdict(SQLModel, table=True):
    """The latest `wsis.submission.screened` of each entry."""

    __tablename__ = "judging_verdict"

    submission_id: str = Field(primary_key=True)
    entity_id: str
    category: int
    outcome: str
    nominable: bool


class EntryTitle(SQLModel, table=True):
    """From `wsis.submission.received`, only what the nominee list shows."""

    __tablename__ = "judging_entry_title"

    submission_id: str = Field(primary_key=True)
    entity_id: str
    title: str
    revision: int


class Finalists(SQLModel, table=True):
    """Each category's five finalists from `wsis.voting.closed`."""

    __tablename__ = "judging_finalists"

    category: int = Field(primary_key=True)
    finalists: list[str] = Field(sa_column=Column(JSON, nullable=False))
    ties: list[str] = Field(sa_column=Column(JSON, nullable=False))


class Milestone(SQLModel, table=True):
    """Work done once: the nominee list, the close of voting, the ceremony."""

    __tablename__ = "judging_milestone"

    name: str = Field(primary_key=True)
    event_id: str
    at: datetime


APPEND_ONLY = (PanelDecision, DecisionOutcome, CategoryWinner, Milestone)
TABLES = (PanelDecision, DecisionOutcome, CategoryWinner, HeldDecision, NomineePlace, EntryVerdict, EntryTitle, Finalists, Milestone)


append_only(*APPEND_ONLY)
