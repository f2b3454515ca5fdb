"""Append-only tables: audit trails whose rows are never changed or deleted.

`append_only(Model, ...)` makes the ORM refuse to update or delete a row of
those tables, one object at a time or by a bulk statement
(`AppendOnlyError`). The services have no path that changes such a row; this
makes a mistake fail loudly instead of rewriting history.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session, SQLModel


class AppendOnlyError(RuntimeError):
    """A row of an audit trail was about to change or go."""


_TABLES: set[str] = set()


def append_only(*models: type[SQLModel]) -> None:
    for model in models:
        event.listen(model, "before_update", _refuse_change)
        event.listen(model, "before_delete", _refuse_change)
        _TABLES.add(str(model.__tablename__))


def _refuse_change(_mapper: Any, _connection: Any, target: Any) -> None:
    raise AppendOnlyError(f"{type(target).__name__} rows are append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    """Bulk UPDATE and DELETE statements skip the per-row hooks above."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in _TABLES:
        raise AppendOnlyError(f"{table.name} rows are append-only")
