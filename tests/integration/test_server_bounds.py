"""The embedded server is bounded: no huge entries, no unbounded memory, and nothing evicted.

The contract's entries are at most 1 MiB; the server refuses anything over
4 MiB outright. Past `maxmemory` writes are refused (`noeviction`), so a
stream is never cut silently. compose.yaml's Valkey gets the same bounds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import yaml

from shared.settings import Settings
from wsis.embedded import EmbeddedValkey
from wsis.supervisor import start_embedded

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedValkey]:
    with EmbeddedValkey(tmp_path_factory.mktemp("bounds")) as running:
        yield running


def test_an_entry_of_5_mib_is_refused_and_the_server_goes_on(server):
    client = redis.Redis.from_url(server.url)
    with pytest.raises(redis.RedisError):
        client.xadd("bounds:big", {"__data__": b"x" * 5 * MiB})
    assert client.xlen("bounds:big") == 0
    client.xadd("bounds:big", {"__data__": b"x" * (MiB + 1)})  # over the contract's limit: a dead letter, not a refusal
    assert client.xlen("bounds:big") == 1


def test_past_its_memory_writes_are_refused_and_nothing_is_evicted(server):
    client = redis.Redis.from_url(server.url)
    assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
    used = int(client.info("memory")["used_memory"])
    client.config_set("maxmemory", used + 2 * MiB)
    try:
        written = 0
        with pytest.raises(redis.exceptions.OutOfMemoryError):
            for _ in range(1000):
                client.xadd("bounds:full", {"__data__": b"y" * 64 * 1024})
                written += 1
        assert client.xlen("bounds:full") == written
    finally:
        client.config_set("maxmemory", "1gb")
        client.delete("bounds:full")


def test_wsis_up_gives_its_server_the_configured_memory(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, valkey_maxmemory="64mb", redis_acl=False)
    server, _ = start_embedded(settings, tmp_path)
    try:
        config = redis.Redis.from_url(server.url).config_get("*max*")
        assert config["maxmemory"] == str(64 * MiB) and config["proto-max-bulk-len"] == str(4 * MiB)
    finally:
        server.stop()


def test_a_memory_bound_that_is_not_a_size_is_a_start_up_error():
    with pytest.raises(ValueError, match="valkey_maxmemory"):
        Settings(valkey_maxmemory="lots")


def test_compose_bounds_its_valkey_the_same_way():
    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "compose.yaml").read_text())
    command = compose["services"]["valkey"]["command"]
    options = dict(zip(command[1::2], command[2::2], strict=False))
    assert options["--proto-max-bulk-len"] == "4mb"
    assert options["--maxmemory"] == "${WSIS_VALKEY_MAXMEMORY:-4gb}"
    assert options["--maxmemory-policy"] == "noeviction"
