"""The services built the same way: their routes are what the topology says they handle.

A type the topology names as handled and missing from a handler's routes
would be accepted and silently dropped; a route for a type the topology does
not deliver would never run.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from shared import outbox, topology
from shared.contest import load_contest
from shared.context import ServiceContext
from shared.db import create_tables, make_engine
from shared.envelope import CloudEvent
from shared.settings import Settings

HANDLERS = {
    "submission": "SubmissionHandler",
    "eligibility": "EligibilityHandler",
    "judging": "JudgingHandler",
    "notify": "NotifyHandler",
}
ROLES = ("app", "handler", "store")
PASSED_AT = datetime(2021, 2, 1, tzinfo=UTC)


def handler_of(name: str, tmp_path):  # type: ignore[no-untyped-def]
    handler_class = getattr(importlib.import_module(f"services.{name}.handler"), HANDLERS[name])
    engine = make_engine(name, tmp_path)
    create_tables(engine, [*outbox.INFRA_TABLES, *handler_class.tables])
    ctx = ServiceContext(name, f"wsis-prizes/{name}", Settings(data_dir=tmp_path), load_contest(), engine)
    return handler_class(ctx)


@pytest.mark.parametrize("name", HANDLERS)
def test_each_handlers_routes_are_the_types_its_topology_handles(name, tmp_path):
    handler = handler_of(name, tmp_path)
    handled = {kind for kinds in topology.SERVICES[name].handles.values() for kind in kinds}

    assert set(handler.routes) == handled


@pytest.mark.parametrize("name", HANDLERS)
def test_each_service_has_the_same_roles_in_the_same_file_names(name):
    for role in ROLES:
        importlib.import_module(f"services.{name}.{role}")
    importlib.import_module(f"services.{name}.domain")


@pytest.mark.parametrize("name", HANDLERS)
def test_a_type_the_topology_lets_pass_changes_nothing(name, tmp_path):
    handler = handler_of(name, tmp_path)
    for stream, kinds in topology.SERVICES[name].passes.items():
        for kind in kinds:
            event = CloudEvent(specversion="1.0", id=f"p-{kind}", source="tests", type=kind, time=PASSED_AT, data={})
            with Session(handler.ctx.engine) as session:
                assert handler.handle(session, stream, event) == []
