"""The outside systems' users on a real server: CONTRACT 4, "Publishers' access", cell by cell.

Each publisher may append to its inbound streams and read its answers with
XREAD, XRANGE, XREVRANGE and XLEN, and nothing else; and no user but staff
reads the sealed stream (notify excepted), runs scripts it does not need,
consumes in a group a stream it only reads, or administers the server.

Against a server of its own, started from the ACL file `wsis up` writes;
and, when `WSIS_TEST_REDIS_URL` is set, against that server too, with the
same rules set by `ACL SETUSER` (and removed afterwards).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import yaml

from shared import acl, topology
from wsis.embedded import EmbeddedValkey

ADMIN = "admin-secret-for-publisher-tests"
PASSWORDS = {user: f"pw-{user}-publisher-test" for user in acl.ALL_USERS}

# CONTRACT 4's table, as written there (not derived from the topology it checks).
IN, OUT = "wsis:in:", "wsis:out:"
CONTRACT_TABLE = {
    "platform": ({IN + "submissions"}, {OUT + "submission", OUT + "eligibility"}),
    "registry": ({IN + "stakeholders"}, set()),
    "frontend": ({IN + "ballots"}, {OUT + "voting", OUT + "judging"}),
    "panel": ({IN + "panel"}, {OUT + "judging", OUT + "eligibility", OUT + "voting"}),
    "console": ({IN + "staff", IN + "panel"}, set(topology.STREAMS) - {"wsis:sealed:judging"}),
}
SERVICES = tuple(topology.SERVICES)
# The ballots' hot path publishes through a script (shared/bus.py publish_all): voting's EVAL, no one else's.
NEEDS_EVAL = {"voting"}


def _given_server() -> list[object]:
    url = os.environ.get("WSIS_TEST_REDIS_URL")
    return [pytest.param(url, id="given", marks=[] if url else [pytest.mark.skip(reason="WSIS_TEST_REDIS_URL is not set")])]


@pytest.fixture(scope="module", params=[pytest.param(None, id="embedded"), *_given_server()])
def server_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param is None:
        root = tmp_path_factory.mktemp("publishers")
        users = root / "users.acl"
        users.write_text(acl.users_file(PASSWORDS, ADMIN))
        with EmbeddedValkey(root, extra_config={"aclfile": str(users)}, password=ADMIN) as running:
            yield acl.with_credentials(running.url, "default", ADMIN)
        return
    staff = redis.Redis.from_url(request.param)
    for grant in acl.ALL_GRANTS:
        set_user(staff, grant.user, PASSWORDS[grant.user], acl.rules(grant))
    try:
        yield request.param
    finally:
        staff.execute_command("ACL", "DELUSER", *acl.ALL_USERS)
        staff.close()


def set_user(staff: redis.Redis, user: str, password: str, rules: list[str]) -> None:
    """ACL SETUSER, leaving out a connection command an older server lacks (CLIENT SETINFO came with Redis 7.2)."""
    try:
        staff.execute_command("ACL", "SETUSER", user, "reset", "on", f">{password}", *rules)
    except redis.ResponseError as exc:
        unknown = next((r for r in rules if f"'{r}'" in str(exc) and r.startswith("+client|")), None)
        if unknown is None:
            raise
        set_user(staff, user, password, [r for r in rules if r != unknown])


@pytest.fixture
def staff(server_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(server_url)
    client.flushdb()  # as conftest does: a given server may serve other databases
    for stream in topology.ALL:
        client.xadd(stream, {"__data__": b"{}"})
    yield client
    client.close()


def as_user(server_url: str, user: str) -> redis.Redis:
    return redis.Redis.from_url(acl.with_credentials(server_url, user, PASSWORDS[user]))


def allowed(action: Callable[[], object]) -> bool:
    """Whether the server let the command past its ACL (another error means it did)."""
    try:
        action()
    except redis.exceptions.NoPermissionError:
        return False
    except redis.ResponseError:
        return True
    return True


def test_the_topology_gives_the_publishers_exactly_the_contract_table():
    assert {g.user: (set(g.writes), set(g.reads)) for g in topology.PUBLISHERS} == CONTRACT_TABLE
    assert not any(g.group for g in topology.PUBLISHERS)


@pytest.mark.parametrize("user", sorted(CONTRACT_TABLE))
def test_a_publisher_appends_to_its_inbound_streams_and_to_no_other(server_url, staff, user):
    client = as_user(server_url, user)
    appends, _ = CONTRACT_TABLE[user]
    for stream in topology.ALL:
        assert allowed(lambda: client.xadd(stream, {"__data__": b"{}"})) == (stream in appends), stream


@pytest.mark.parametrize("user", sorted(CONTRACT_TABLE))
def test_a_publisher_reads_its_answers_with_the_read_commands_and_nothing_else(server_url, staff, user):
    client = as_user(server_url, user)
    _, reads = CONTRACT_TABLE[user]
    for stream in topology.ALL:
        for read in (
            lambda: client.xread({stream: "0-0"}, count=1),
            lambda: client.xread({stream: "$"}, count=1, block=1),
            lambda: client.xrange(stream, count=1),
            lambda: client.xrevrange(stream, count=1),
            lambda: client.xlen(stream),
        ):
            assert allowed(read) == (stream in reads), stream


@pytest.mark.parametrize("user", sorted(CONTRACT_TABLE))
def test_a_publisher_reads_several_of_its_answer_streams_in_one_xread(server_url, staff, user):
    _, reads = CONTRACT_TABLE[user]
    if len(reads) < 2:
        pytest.skip("one answer stream or none")
    got = as_user(server_url, user).xread({stream: "0-0" for stream in sorted(reads)})
    assert len(got) == len(reads)


@pytest.mark.parametrize("user", sorted(CONTRACT_TABLE))
def test_a_publisher_touches_no_other_key_and_no_pub_sub(server_url, staff, user):
    client = as_user(server_url, user)
    for action in (
        lambda: client.get("x"),
        lambda: client.set("x", 1),
        lambda: client.hgetall(topology.DEADLETTER_REPLAYED),
        lambda: client.delete(topology.IN_SUBMISSIONS),
        lambda: client.xtrim(topology.IN_STAFF, maxlen=0),
        lambda: client.xdel(topology.IN_PANEL, "0-1"),
        lambda: client.xinfo_stream(topology.OUT_JUDGING),
        lambda: client.publish("wsis", "x"),
    ):
        assert not allowed(action)


@pytest.mark.parametrize("user", acl.ALL_USERS)
def test_only_notify_reads_the_sealed_stream(server_url, staff, user):
    client = as_user(server_url, user)
    assert allowed(lambda: client.xrange(topology.SEALED_JUDGING)) == (user == "notify")
    assert allowed(lambda: client.xread({topology.SEALED_JUDGING: "0-0"})) == (user == "notify")


@pytest.mark.parametrize("user", acl.ALL_USERS)
def test_scripts_only_for_the_services_that_publish_with_one_and_functions_for_none(server_url, staff, user):
    client = as_user(server_url, user)
    assert allowed(lambda: client.eval("return 1", 0)) == (user in NEEDS_EVAL)
    assert allowed(lambda: client.evalsha("0" * 40, 0)) == (user in NEEDS_EVAL)
    assert not allowed(lambda: client.execute_command("FUNCTION", "LIST"))
    assert not allowed(lambda: client.execute_command("FUNCTION", "FLUSH"))
    assert not allowed(lambda: client.execute_command("FCALL", "nothing", "0"))
    assert not allowed(lambda: client.execute_command("FCALL_RO", "nothing", "0"))


@pytest.mark.parametrize("user", acl.ALL_USERS)
def test_no_consumer_group_on_a_stream_a_user_does_not_consume(server_url, staff, user):
    client = as_user(server_url, user)
    grant = acl.GRANT_OF[user]
    consumed = set(grant.reads) if grant.group else set()
    for stream in set(topology.ALL) - consumed:
        for action in (
            lambda: client.xgroup_create(stream, user, id="0"),
            lambda: client.xreadgroup(user, "c-1", {stream: ">"}, count=1),
            lambda: client.xack(stream, user, "0-1"),
            lambda: client.xautoclaim(stream, user, "c-2", 0),
            lambda: client.xpending(stream, user),
            lambda: client.xinfo_groups(stream),
        ):
            assert not allowed(action), stream


ADMINISTRATION = (
    ("FLUSHALL",), ("FLUSHDB",), ("CONFIG", "GET", "*"), ("CONFIG", "SET", "maxmemory", "0"), ("ACL", "LIST"),
    ("ACL", "WHOAMI"), ("SHUTDOWN",), ("DEBUG", "SLEEP", "0"), ("KEYS", "*"), ("SCAN", "0"), ("SCRIPT", "FLUSH"),
    ("SCRIPT", "KILL"), ("CLIENT", "KILL", "ID", "1"), ("CLIENT", "LIST"), ("MONITOR",), ("SAVE",), ("BGREWRITEAOF",),
    ("REPLICAOF", "NO", "ONE"), ("MODULE", "LIST"), ("INFO",),
)


@pytest.mark.parametrize("user", acl.ALL_USERS)
def test_no_user_administers_the_server(server_url, staff, user):
    # ACL DRYRUN: the server's own verdict, without running SHUTDOWN or FLUSHALL
    # (DEBUG is refused to everyone before the ACL is asked, unless enabled).
    for command in ADMINISTRATION:
        verdict = staff.execute_command("ACL", "DRYRUN", user, *command)
        assert verdict != b"OK", command
    assert not allowed(lambda: as_user(server_url, user).flushall())


def test_wsis_acl_gives_compose_the_same_publishers(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from wsis.acl_cli import acl_cli

    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "compose.yaml").read_text())
    job = compose["services"]["valkey-acl"]["environment"]
    printed = CliRunner().invoke(acl_cli, ["passwords"]).stdout
    for user in acl.PUBLISHER_USERS:
        variable = f"WSIS_REDIS_PASSWORD_{user.upper()}"
        assert job[variable] == f"${{{variable}:-}}"
        assert f"\n{variable}=" in printed
    for line in printed.splitlines():
        monkeypatch.setenv(*line.split("=", 1))
    written = CliRunner().invoke(acl_cli, ["file", str(tmp_path / "users.acl")])
    assert written.exit_code == 0, written.output
    users = {line.split()[1] for line in (tmp_path / "users.acl").read_text().splitlines()}
    assert users == {"default", *acl.ALL_USERS}
