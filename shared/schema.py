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
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

Column = tuple[str, str, str]  # (table, column, its type and default, as DDL)


def add_missing_columns(engine: Engine, columns: Iterable[Column]) -> list[str]:
    """Add each column its table lacks; returns `table.column` for each one added."""
    added = []
    for table, column, ddl in columns:
        if column in table_columns(engine, table):
            continue
        try:
            with engine.begin() as conn:
                conn.execute(text(f'ALTER TABLE {table} ADD COLUMN "{column}" {ddl}'))
        except DBAPIError:
            if column not in table_columns(engine, table):  # not a replica that added it meanwhile
                raise
            continue
        added.append(f"{table}.{column}")
    return added


def table_columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}
