"""Bringing a notify store made before contract version 2 up to date.

Creating the tables at start adds missing tables, never missing columns. A
store from before has no coordinator `language` and no outbox `key`; without
them every query of those tables fails. Both are added with the defaults
the earlier rows mean: English, and no key. On PostgreSQL the outbox's
once-only constraint takes the key in too; SQLite cannot change a
constraint in place, so there a second verdict change to one address would
be refused until the store is made afresh (docs/notify.md).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from shared.db import is_postgres
from shared.schema import add_missing_columns

ADDED_IN_V2 = (
    ("notify_contact", "language", "VARCHAR NOT NULL DEFAULT 'en'"),
    ("notify_notification", "key", "VARCHAR NOT NULL DEFAULT ''"),
)
ONCE = "uq_notify_once"
ONCE_COLUMNS = '"occasion", "recipient", "submission_id", "week", "key"'


def upgrade(engine: Engine) -> list[str]:
    """Add what is missing; returns `table.column` for each column added."""
    added = add_missing_columns(engine, ADDED_IN_V2)
    if "notify_notification.key" in added and is_postgres(engine):
        with engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE notify_notification DROP CONSTRAINT IF EXISTS {ONCE}"))
            conn.execute(text(f"ALTER TABLE notify_notification ADD CONSTRAINT {ONCE} UNIQUE ({ONCE_COLUMNS})"))
    return added
