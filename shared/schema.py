"""Bringing a service's store made by an earlier version up to date.

Creating the tables at start adds missing tables, never missing columns. A
service names the columns it added since (table, column, SQL type and
default) and `add_missing_columns` adds those a store lacks, with the
default its earlier rows mean. Replicas starting together may race to add
one: the one that loses finds it there and goes on.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

Column = tuple[str, str, str]  # (table, column, its type and default, as DDL)


def add_missing_columns(bind: Engine | Connection, columns: Iterable[Column]) -> list[str]:
    """Add each column its table lacks; returns `table.column` for each one added.

    On an engine each column is added in a transaction of its own; on a
    connection (a schema revision, shared.migrations) inside the caller's.
    """
    added = []
    for table, column, ddl in columns:
        if column in table_columns(bind, table):
            continue
        statement = text(f'ALTER TABLE {table} ADD COLUMN "{column}" {ddl}')
        if isinstance(bind, Connection):
            bind.execute(statement)
            added.append(f"{table}.{column}")
            continue
        try:
            with bind.begin() as conn:
                conn.execute(statement)
        except DBAPIError:
            if column not in table_columns(bind, table):  # not a replica that added it meanwhile
                raise
            continue
        added.append(f"{table}.{column}")
    return added


def table_columns(bind: Engine | Connection, table: str) -> set[str]:
    return {c["name"] for c in inspect(bind).get_columns(table)}
