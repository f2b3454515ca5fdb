"""The one "add missing columns" of every service's store upgrade (shared/schema.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import create_engine

from shared import schema
from shared.schema import add_missing_columns, table_columns

COLUMNS = (("things", "colour", "VARCHAR NOT NULL DEFAULT 'grey'"), ("things", "size", "INTEGER"))


def old_store(tmp_path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE things (id INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO things (id) VALUES (1)"))
    return engine


def test_missing_columns_are_added_once_with_the_default_earlier_rows_mean(tmp_path):
    engine = old_store(tmp_path)
    assert add_missing_columns(engine, COLUMNS) == ["things.colour", "things.size"]
    assert add_missing_columns(engine, COLUMNS) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, colour, size FROM things")).all() == [(1, "grey", None)]


def test_a_column_another_replica_added_meanwhile_is_not_an_error(tmp_path, monkeypatch):
    engine = old_store(tmp_path)
    seen = iter([set(), {"id", "colour"}])  # not there when looked for, there after the ALTER failed
    monkeypatch.setattr(schema, "table_columns", lambda _engine, _table: next(seen))
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE things ADD COLUMN colour VARCHAR"))
    assert add_missing_columns(engine, COLUMNS[:1]) == []


def test_a_failure_that_left_the_column_missing_is_raised(tmp_path):
    engine = old_store(tmp_path)
    with pytest.raises(DBAPIError):
        add_missing_columns(engine, (("things", "bad", "NOT A TYPE ((("),))
    assert "bad" not in table_columns(engine, "things")
