"""Bringing a notify store made before contract version 2 up to date (schema revision notify_0002).

A store from before has no coordinator `language` and no outbox `key`;
without them every query of those tables fails. Both are added with the
defaults the earlier rows mean: English, and no key. The outbox's once-only
constraint takes the key in too, so a second verdict change to one address
is sent: PostgreSQL alters the constraint in place, SQLite copies the table
with the new one (Alembic's batch mode).
"""

from __future__ import annotations

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from shared.schema import add_missing_columns

ADDED_IN_V2 = (
    ("notify_contact", "language", "VARCHAR NOT NULL DEFAULT 'en'"),
    ("notify_notification", "key", "VARCHAR NOT NULL DEFAULT ''"),
)
ONCE = "uq_notify_once"
ONCE_COLUMNS = ["occasion", "recipient", "submission_id", "week", "key"]


def upgrade(bind: Engine | Connection) -> list[str]:
    """Add what is missing, and the key to the once-only constraint; returns `table.column` for each column added."""
    added = add_missing_columns(bind, ADDED_IN_V2)
    if isinstance(bind, Connection):
        _once_with_key(bind)
    else:
        with bind.begin() as conn:
            _once_with_key(conn)
    return added


def _once_with_key(conn: Connection) -> None:
    found = {c["name"]: c["column_names"] for c in inspect(conn).get_unique_constraints("notify_notification")}
    if found.get(ONCE) == ONCE_COLUMNS:
        return
    sqlite = conn.dialect.name == "sqlite"
    with Operations(MigrationContext.configure(conn)).batch_alter_table(
        "notify_notification", recreate="always" if sqlite else "auto"
    ) as batch:
        if ONCE in found:
            batch.drop_constraint(ONCE, type_="unique")
        batch.create_unique_constraint(ONCE, ONCE_COLUMNS)
