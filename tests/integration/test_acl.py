"""Least privilege on a real server: each service's ACL user does its job and nothing more.

A server of its own, started from the same ACL file `wsis up` writes, so
the file itself is what is tested.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import yaml

from services.eligibility.handler import EligibilityHandler
from services.judging.handler import JudgingHandler
from services.notify.handler import NotifyHandler
from services.submission.handler import SubmissionHandler
from services.voting.handler import VotingHandler
from shared import acl, topology
from tests.support.streams import read
from tests.support.waiting import wait_until
from wsis.embedded import EmbeddedValkey

ADMIN = "admin-secret-for-tests"
SERVICES = ("submission", "eligibility", "voting", "judging", "notify")
# What each service consumes in code: its handler's streams.
CONSUMED = {
    "submission": set(SubmissionHandler.accepts),
    "eligibility": set(EligibilityHandler.accepts),
    "voting": set(VotingHandler.accepts),
    "judging": set(JudgingHandler.accepts),
    "notify": set(NotifyHandler.accepts),
}
OWN_OUTPUT = {
    "submission": {topology.OUT_SUBMISSION},
    "eligibility": {topology.OUT_ELIGIBILITY},
    "voting": {topology.OUT_VOTING, topology.VOTING_REPORTS},
    "judging": {topology.OUT_JUDGING, topology.SEALED_JUDGING},
    "notify": {topology.OUT_NOTIFY},
    "ticker": {topology.IN_CLOCK},
}
PASSWORDS = {user: f"pw-{user}-0123456789" for user in acl.ALL_USERS}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedValkey]:
    root = tmp_path_factory.mktemp("acl")
    users = root / "users.acl"
    users.write_text(acl.users_file(PASSWORDS, ADMIN))
    with EmbeddedValkey(root, extra_config={"aclfile": str(users)}, password=ADMIN) as running:
        yield running


@pytest.fixture
def admin(server: EmbeddedValkey) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(server.url, username="default", password=ADMIN)
    client.flushall()
    for stream in topology.ALL:
        client.xadd(stream, {"__data__": b"{}"})
    yield client
    client.close()


def as_user(server: EmbeddedValkey, user: str) -> redis.Redis:
    return redis.Redis.from_url(server.url, username=user, password=PASSWORDS[user])


def can(action) -> bool:
    try:
        action()
    except redis.exceptions.NoPermissionError:
        return False
    except redis.ResponseError as exc:  # a command inside a script, refused as if sent alone
        if "ACL failure in script" in str(exc):
            return False
        raise
    return True


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_may_read_exactly_the_streams_it_consumes(service):
    assert set(acl.GRANT_OF[service].reads) == CONSUMED[service]


@pytest.mark.parametrize("user", acl.USERS)
def test_a_user_may_append_to_its_own_output_and_the_dead_letters_and_to_no_other_stream(server, admin, user):
    client = as_user(server, user)
    allowed = OWN_OUTPUT[user] | ({topology.DEADLETTER} if user != "ticker" else set())
    for stream in topology.ALL:
        assert can(lambda: client.xadd(stream, {"__data__": b"{}"})) == (stream in allowed), stream
        script = "return redis.call('XADD', KEYS[1], '*', '__data__', '{}')"
        # Only the ballots' hot path publishes through a script (shared/bus.py); everyone else appends with XADD alone.
        assert can(lambda: client.eval(script, 1, stream)) == (stream in allowed and user == "voting"), stream


@pytest.mark.parametrize("user", acl.USERS)
def test_a_user_may_consume_its_inputs_in_its_group_and_nothing_else(server, admin, user):
    client = as_user(server, user)
    reads = set(acl.GRANT_OF[user].reads)
    for stream in topology.ALL:
        expected = stream in reads

        def consume() -> None:
            client.xgroup_create(stream, user, id="0")
            (_, entries), = client.xreadgroup(user, "c-1", {stream: ">"}, count=1)
            client.xautoclaim(stream, user, "c-2", 0)
            client.xack(stream, user, entries[0][0])
            client.xinfo_groups(stream)
            client.xpending(stream, user)

        assert can(consume) == expected, stream
        # The writer of an internal copy reads it back with XRANGE alone (shared.effects.complete_copies).
        looks_back = stream in topology.INTERNAL_STREAMS and stream in acl.GRANT_OF[user].writes
        assert can(lambda: client.xrange(stream)) == (expected or looks_back), stream
        assert can(lambda: client.xread({stream: "0-0"})) == expected, stream


@pytest.mark.parametrize("service", SERVICES)
def test_only_voting_runs_a_script_and_only_on_its_outputs(server, admin, service):
    from shared.bus import XADD_RUN

    client = as_user(server, service)
    for stream in topology.ALL:
        writes_it = stream in OWN_OUTPUT[service] or stream == topology.DEADLETTER
        assert can(lambda: client.eval(XADD_RUN, 1, stream, 0, b"{}")) == (writes_it and service == "voting"), stream


@pytest.mark.parametrize("service", SERVICES)
def test_a_batch_answer_and_its_ack_go_in_one_transaction_within_the_same_grants(server, admin, service):
    client = as_user(server, service)
    inbound = sorted(acl.GRANT_OF[service].reads)[0]
    client.xgroup_create(inbound, service, id="0")
    (_, entries), = client.xreadgroup(service, "c-1", {inbound: ">"}, count=1)

    def answer_and_ack(output: str) -> None:
        with client.pipeline(transaction=True) as pipe:
            pipe.xadd(output, {"__data__": b"{}"})
            pipe.xack(inbound, service, entries[0][0])
            pipe.execute()

    foreign = next(s for s in topology.ALL if s not in OWN_OUTPUT[service] and s != topology.DEADLETTER)
    assert not can(lambda: answer_and_ack(foreign))
    assert admin.xpending(inbound, service)["pending"] == 1  # nothing of the refused transaction ran
    answer_and_ack(sorted(OWN_OUTPUT[service])[0])
    assert admin.xpending(inbound, service)["pending"] == 0


def test_only_notify_can_read_the_sealed_winners(server, admin):
    readers = {user for user in acl.USERS if can(lambda: as_user(server, user).xrange(topology.SEALED_JUDGING))}
    assert readers == {"notify"}
    assert can(lambda: as_user(server, "judging").xadd(topology.SEALED_JUDGING, {"__data__": b"{}"}))


@pytest.mark.parametrize("user", acl.USERS)
def test_no_service_user_may_touch_keys_or_server_state_beyond_streams(server, admin, user):
    client = as_user(server, user)
    for action in (
        lambda: client.keys("*"),
        lambda: client.set("x", 1),
        lambda: client.hset("wsis:deadletter:replayed", "a", "b"),
        lambda: client.delete(topology.IN_BALLOTS),
        lambda: client.xtrim(topology.OUT_VOTING, maxlen=0),
        lambda: client.xgroup_destroy(topology.IN_CLOCK, user),
        lambda: client.xdel(topology.DEADLETTER, "0-1"),
        lambda: client.flushall(),
        lambda: client.config_get("*"),
        lambda: client.execute_command("ACL", "WHOAMI"),
        lambda: client.publish("wsis", "x"),
    ):
        assert not can(action)


def test_a_wrong_password_is_refused(server):
    client = redis.Redis.from_url(server.url, username="voting", password="not-it")
    with pytest.raises(redis.exceptions.AuthenticationError):
        client.ping()


def test_the_file_holds_password_hashes_never_the_passwords():
    text = acl.users_file(PASSWORDS, ADMIN)
    assert all(password not in text for password in [*PASSWORDS.values(), ADMIN])
    assert acl.password_hash(ADMIN) in text


@pytest.mark.parametrize("user", ["voting", "platform"])
def test_a_missing_password_is_a_start_up_error(user):
    with pytest.raises(ValueError, match=f"no Redis password for {user}"):
        acl.users_file({k: v for k, v in PASSWORDS.items() if k != user}, ADMIN)


def test_compose_gives_each_container_its_own_password_and_valkey_the_acl_file():
    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "compose.yaml").read_text())
    services = compose["services"]
    for user in acl.USERS:
        assert services[user]["environment"]["WSIS_REDIS_PASSWORD"] == f"${{WSIS_REDIS_PASSWORD_{user.upper()}:-}}"
    assert "--aclfile" in services["valkey"]["command"]
    assert services["valkey-acl"]["command"] == ["acl", "file", "/acl/users.acl"]
    assert services["valkey"]["depends_on"]["valkey-acl"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_user_can_answer_its_own_health_check(server, admin, service):
    from wsis.health import alive_consumers

    client = as_user(server, service)
    stream = acl.GRANT_OF[service].reads[0]
    client.xgroup_create(stream, service, id="0")
    client.xreadgroup(service, f"{service}-{socket.gethostname()}-1-abc", {stream: ">"}, count=1)
    assert alive_consumers(client, service) == [f"{stream}/{service}-{socket.gethostname()}-1-abc"]


def test_the_ticker_ticks_with_its_own_user_and_nothing_else(server, admin):
    from wsis.supervisor import tick_forever

    stop = threading.Event()
    url = acl.with_credentials(server.url, "ticker", PASSWORDS["ticker"])
    ticker = threading.Thread(target=tick_forever, args=(url, 0.05, stop))
    ticker.start()
    wait_until(lambda: admin.xlen(topology.IN_CLOCK) >= 3, what="3 ticks", every=0.02)
    stop.set()
    ticker.join()
    ticks = read(admin, topology.IN_CLOCK)[1:]  # after the fixture's entry
    assert len(ticks) >= 2 and {t["type"] for t in ticks} == {"wsis.clock.tick"}
