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

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from shared.db import is_postgres

ADDED_IN_V2 = (
    ("notify_contact", "language", "VARCHAR NOT NULL DEFAULT 'en'"),
    ("notify_notification", "key", "VARCHAR NOT NULL DEFAULT ''"),
)
ONCE = "uq_notify_once"
ONCE_COLUMNS = '"occasion", "recipient", "submission_id", "week", "key"'


def upgrade(engine: Engine) -> list[str]:
    """Add what is missing; returns `table.column` for each column added."""
    added = []
    for table, column, ddl in ADDED_IN_V2:
        if column in _columns(engine, table):
            continue
        try:
            with engine.begin() as conn:
                conn.execute(text(f'ALTER TABLE {table} ADD COLUMN "{column}" {ddl}'))
        except DBAPIError:
            if column not in _columns(engine, table):  # not a replica that added it meanwhile
                raise
            continue
        added.append(f"{table}.{column}")
    if "notify_notification.key" in added and is_postgres(engine):
        with engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE notify_notification DROP CONSTRAINT IF EXISTS {ONCE}"))
            conn.execute(text(f"ALTER TABLE notify_notification ADD CONSTRAINT {ONCE} UNIQUE ({ONCE_COLUMNS})"))
    return added


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}
