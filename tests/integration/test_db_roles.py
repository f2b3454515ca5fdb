"""One PostgreSQL role a service: it owns its schema and cannot read another's.

Roles are cluster-wide, so each run names its services (and so its roles and
schemas) uniquely, in a database of its own, and drops them all after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from services.judging import store as judging_store
from shared.db import create_tables, make_engine
from wsis import db_cli

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("WSIS_TEST_DATABASE_URL"), reason="WSIS_TEST_DATABASE_URL is not set"),
]


def _engine(url: str):  # type: ignore[no-untyped-def]
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")


@pytest.fixture
def deployment() -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh database with a voting and a judging role; yields its admin URL and the services' names."""
    base = os.environ["WSIS_TEST_DATABASE_URL"]
    run = uuid.uuid4().hex[:10]
    database = f"wsis_roles_{run}"
    services = {"voting": f"voting_{run}", "judging": f"judging_{run}"}
    admin = _engine(base)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin_url = make_url(base).set(database=database).render_as_string(hide_password=False)
    environ = {db_cli.password_variable(name): f"secret-{name}" for name in services.values()}
    try:
        db_cli.apply(admin_url, db_cli.roles_sql(database, list(services.values()), environ))
        yield admin_url, services
    finally:
        inside = _engine(admin_url)
        with inside.connect() as conn:
            for name in services.values():
                role = db_cli.role_name(name)
                if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                    conn.execute(text(f'DROP OWNED BY "{role}" CASCADE'))
        inside.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            for name in services.values():
                conn.execute(text(f'DROP ROLE IF EXISTS "{db_cli.role_name(name)}"'))
        admin.dispose()


def _as_role(admin_url: str, service: str) -> str:
    url = make_url(admin_url).set(username=db_cli.role_name(service), password=f"secret-{service}")
    return url.render_as_string(hide_password=False)


def test_a_service_role_owns_its_schema_and_cannot_read_another_services_tables(deployment, tmp_path):
    admin_url, services = deployment
    judging = make_engine(services["judging"], tmp_path, _as_role(admin_url, services["judging"]))
    create_tables(judging, judging_store.TABLES)
    table = judging_store.TABLES[0].__tablename__
    with judging.connect() as conn:
        assert conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar() == 0
        owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = :t"), {"t": table}).scalar()
    assert owner == db_cli.role_name(services["judging"])
    judging.dispose()

    voting = make_engine(services["voting"], tmp_path, _as_role(admin_url, services["voting"]))
    with voting.connect() as conn:
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text(f'SELECT * FROM "{services["judging"]}"."{table}"'))
    with voting.begin() as conn:
        conn.execute(text("CREATE TABLE own_things (id integer PRIMARY KEY)"))
        conn.execute(text("INSERT INTO own_things VALUES (1)"))
    with voting.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM own_things")).scalar() == 1
        schema = conn.execute(text("SELECT schemaname FROM pg_tables WHERE tablename = 'own_things'")).scalar()
    assert schema == services["voting"]
    voting.dispose()


def test_a_service_role_may_not_create_in_the_public_schema_or_make_schemas(deployment, tmp_path):
    admin_url, services = deployment
    voting = _engine(_as_role(admin_url, services["voting"]))
    with voting.connect() as conn:
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text("CREATE TABLE public.stray (id integer)"))
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text('CREATE SCHEMA "elsewhere"'))
    voting.dispose()


def test_roles_are_refused_without_every_password():
    with pytest.raises(db_cli.MissingPassword, match="WSIS_DB_PASSWORD_JUDGING"):
        db_cli.roles_sql("wsis", ["voting", "judging"], {"WSIS_DB_PASSWORD_VOTING": "x"})
