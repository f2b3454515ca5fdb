"""A notify store made before contract version 2 gets the columns it lacks, once."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel, create_engine, select

from services.notify import store
from services.notify.schema import upgrade

OLD_TABLES = (
    "create table notify_contact (submission_id varchar primary key, name varchar not null, email varchar not null,"
    " title varchar not null, category integer not null, revision integer not null, address_no integer not null)",
    "create table notify_notification (seq integer primary key, notification_id varchar unique, occasion varchar not null,"
    " recipient varchar not null, submission_id varchar not null, week integer not null, facts json not null, status varchar not null,"
    " confidential boolean not null, held boolean not null, attempts integer not null, next_attempt_at float not null,"
    " claimed_by varchar, claimed_at float, last_error varchar, cause_id varchar not null, cause_time varchar not null,"
    " constraint uq_notify_once unique (occasion, recipient, submission_id, week))",
)


def test_an_old_store_gets_the_language_and_the_key_with_the_defaults_its_rows_mean(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        for ddl in OLD_TABLES:
            conn.execute(text(ddl))
        conn.execute(text("insert into notify_contact values ('s-1', 'Amina Otieno', 'a@example.org', 'T', 4, 1, 0)"))
    SQLModel.metadata.create_all(engine, tables=[t.__table__ for t in store.TABLES])  # type: ignore[attr-defined]

    assert upgrade(engine) == ["notify_contact.language", "notify_notification.key"]
    assert upgrade(engine) == []

    assert {"language"} <= {c["name"] for c in inspect(engine).get_columns("notify_contact")}
    (once,) = [u for u in inspect(engine).get_unique_constraints("notify_notification") if u["name"] == "uq_notify_once"]
    assert once["column_names"] == ["occasion", "recipient", "submission_id", "week", "key"]  # SQLite too: the table copied
    with Session(engine) as session:
        (contact,) = session.exec(select(store.Contact)).all()
        assert contact.language == "en"


def test_a_store_made_by_this_version_needs_nothing(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'new.sqlite'}")
    SQLModel.metadata.create_all(engine, tables=[t.__table__ for t in store.TABLES])  # type: ignore[attr-defined]
    assert upgrade(engine) == []


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("WSIS_TEST_DATABASE_URL"), reason="WSIS_TEST_DATABASE_URL is not set")
def test_on_postgresql_the_once_only_constraint_takes_the_key_in():
    url = os.environ["WSIS_TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"notify_upgrade_{uuid.uuid4().hex[:8]}"
    boot = create_engine(url)
    with boot.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        with engine.begin() as conn:
            for ddl in OLD_TABLES:
                conn.execute(text(ddl.replace("float", "double precision")))
        assert upgrade(engine) == ["notify_contact.language", "notify_notification.key"]
        once = {u["name"]: u["column_names"] for u in inspect(engine).get_unique_constraints("notify_notification")}
        assert once["uq_notify_once"] == ["occasion", "recipient", "submission_id", "week", "key"]
    finally:
        engine.dispose()
        with boot.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        boot.dispose()
