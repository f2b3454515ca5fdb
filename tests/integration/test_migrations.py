"""Each service's schema, versioned (shared.migrations): a store made by release 0.1 is
upgraded to the tables of today, a new one is made at the newest revision, and a store
made by a newer release is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from shared import migrations, topology
from shared.db import create_tables, is_postgres, make_engine
from tests.support.services import running
from wsis.db_cli import db_cli, service_models

SERVICES = tuple(topology.SERVICES)
OLD_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "schema-0.1"


def shape(engine: Engine) -> dict[str, set[str]]:
    found = inspect(engine)
    return {table: {c["name"] for c in found.get_columns(table)} for table in found.get_table_names() if table != "alembic_version"}


def made_by_release_0_1(service: str, engine: Engine) -> None:
    dialect = "postgresql" if is_postgres(engine) else "sqlite"
    ddl = (OLD_SCHEMA / f"{service}.{dialect}.sql").read_text()
    with engine.begin() as conn:
        for statement in filter(str.strip, ddl.split(";\n")):
            conn.execute(text(statement.rstrip(";")))
        conn.execute(text("INSERT INTO processed_event (key, stream, handled_at) VALUES ('k', 's', CURRENT_TIMESTAMP)"))


@pytest.mark.parametrize("service", SERVICES)
def test_a_store_made_by_release_0_1_is_upgraded_to_the_tables_of_today(service, tmp_path, database_url):
    old = make_engine(service, tmp_path / "old", database_url)
    made_by_release_0_1(service, old)

    done = migrations.migrate(old, service, service_models(service))

    assert done.before == migrations.baseline(service) and done.after == migrations.head(service)
    fresh = make_engine(service, tmp_path / "fresh", None)
    create_tables(fresh, service_models(service))
    assert shape(old) == shape(fresh)
    with old.connect() as conn:
        assert conn.execute(text("SELECT key FROM processed_event")).scalars().all() == ["k"]  # rows kept
        assert migrations.current(conn) == migrations.head(service)


@pytest.mark.parametrize("service", SERVICES)
def test_a_new_store_is_made_at_the_newest_revision_and_a_second_start_changes_nothing(service, tmp_path, database_url):
    engine = make_engine(service, tmp_path, database_url)

    first = migrations.migrate(engine, service, service_models(service))
    again = migrations.migrate(engine, service, service_models(service))

    assert (first.before, first.after) == (None, migrations.head(service))
    assert not again.changed and again.after == migrations.head(service)


async def test_a_service_refuses_a_store_made_by_a_newer_release(settings):
    engine = make_engine("submission", settings.data_dir, settings.database_url)
    migrations.migrate(engine, "submission", service_models("submission"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'submission_9999'"))

    with pytest.raises(migrations.SchemaTooNew, match="submission_9999"):
        async with running("submission", settings):
            pass
    with engine.connect() as conn:
        assert migrations.current(conn) == "submission_9999"  # nothing changed


def test_each_service_has_one_line_of_revisions_starting_at_its_baseline():
    for service in SERVICES:
        assert migrations.baseline(service) in migrations.known(service)
        assert migrations.head(service).startswith(f"{service}_")


def test_wsis_db_upgrade_brings_every_service_up_and_says_so(tmp_path):
    from typer.testing import CliRunner

    runner = CliRunner()
    engine = make_engine("judging", tmp_path)
    made_by_release_0_1("judging", engine)

    first = runner.invoke(db_cli, ["upgrade", "--data-dir", str(tmp_path)])
    again = runner.invoke(db_cli, ["upgrade", "judging", "--data-dir", str(tmp_path)])

    assert first.exit_code == 0, first.output
    assert f"submission: made at {migrations.head('submission')}" in first.output
    assert f"judging: at {migrations.head('judging')}, up to date (tables of release 0.1, stamped judging_0001)" in first.output
    assert f"judging: at {migrations.head('judging')}, up to date\n" in again.output
    assert "submission: " not in again.output
    assert runner.invoke(db_cli, ["upgrade", "nobody", "--data-dir", str(tmp_path)]).exit_code == 2


def test_votes_of_release_0_1_get_their_leaf_in_the_upgrade(tmp_path, database_url):
    from services.voting.domain import merkle

    engine = make_engine("voting", tmp_path, database_url)
    made_by_release_0_1("voting", engine)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO voting_ballot (key, ballot_id, voter_id, category, project_id, reason, at_us) VALUES (:k, 'b-1', 'v-1', 4, 'p-1', NULL, 5)"),
            {"k": b"k" * 16},
        )
        conn.execute(text("INSERT INTO voting_vote (voter_id, category, ballot_key, project_id, at_us) VALUES ('v-1', 4, :k, 'p-1', 5)"), {"k": b"k" * 16})

    migrations.migrate(engine, "voting", service_models("voting"))

    with engine.connect() as conn:
        (leaf, annulled), = conn.execute(text("SELECT leaf, annulled FROM voting_vote")).all()
    assert bytes(leaf) == merkle.leaf("b-1", 4, "p-1") and annulled is None
