"""Dead letters cannot be forged into effects, and cannot grow without bound.

Any service may append to `wsis:deadletter`, so a letter is only a claim:
`wsis deadletter replay` (with staff's rights) replays a letter only to the
stream its writing service reads, and only the original entry that stream
still holds. On a server with the ACL users of `wsis up`, a letter forged
as the submission service is refused, and no stream changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from typer.testing import CliRunner

from shared import acl, bus, topology
from shared.settings import get_settings
from tests.support.events import cloudevent
from wsis.cli import cli
from wsis.embedded import EmbeddedValkey

ADMIN = "admin-secret-for-dead-letters"
PASSWORDS = {user: f"pw-{user}-dead-letters" for user in acl.ALL_USERS}
AWARDS = cloudevent("wsis.awards.announced", {"categories": [{"category": 1, "winner": "forged", "champions": []}]})
runner = CliRunner()


@pytest.fixture(scope="module")
def staff_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("forgery")
    (root / "users.acl").write_text(acl.users_file(PASSWORDS, ADMIN))
    with EmbeddedValkey(root, extra_config={"aclfile": str(root / "users.acl")}, password=ADMIN) as server:
        yield acl.with_credentials(server.url, "default", ADMIN)


@pytest.fixture
def staff(staff_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(staff_url)
    client.flushall()
    client.xadd(topology.OUT_JUDGING, {"__data__": json.dumps(cloudevent("wsis.nomination.recorded", {})).encode()})
    yield client
    client.close()


def forge(staff_url: str, *, source: str, stream: str, entry_id: str = "1-1") -> str:
    """A dead letter appended by the submission service's own user, saying what the forger likes."""
    letter = cloudevent("wsis.deadletter", {"stream": stream, "entry_id": entry_id, "error": "x", "raw": json.dumps(AWARDS)})
    letter["source"] = source
    as_submission = redis.Redis.from_url(acl.with_credentials(staff_url, "submission", PASSWORDS["submission"]))
    return as_submission.xadd(topology.DEADLETTER, {"__data__": json.dumps(letter).encode()}).decode()


def lengths(client: redis.Redis) -> dict[str, int]:
    return {stream: client.xlen(stream) for stream in topology.ALL if stream != topology.DEADLETTER}


@pytest.mark.parametrize(
    ("source", "stream", "entry_id", "reason"),
    [
        ("wsis-prizes/submission", topology.OUT_JUDGING, "1-1", "which submission does not read"),
        ("wsis-prizes/notify", topology.OUT_JUDGING, "1-1", "holds no entry"),  # notify reads it; the entry is the forger's
        ("wsis-prizes/judging", topology.IN_PANEL, "not-an-entry", "holds no entry"),
        ("https://attacker.example", topology.OUT_JUDGING, "1-1", "not from a service"),
    ],
)
def test_a_forged_dead_letter_is_refused_and_nothing_downstream_changes(staff_url, staff, source, stream, entry_id, reason):
    letter_id = forge(staff_url, source=source, stream=stream, entry_id=entry_id)
    before = lengths(staff)
    result = runner.invoke(cli, ["deadletter", "replay", letter_id, "--redis-url", staff_url])
    assert result.exit_code == 1
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 2  # the server read, the reason
    assert lengths(staff) == before
    assert staff.hget(topology.DEADLETTER_REPLAYED, letter_id) is None
    assert b"forged" not in b"".join(f[b"__data__"] for _, f in staff.xrange(topology.OUT_JUDGING))


def test_a_genuine_letter_replays_the_original_entry_as_its_stream_holds_it(staff_url, staff):
    original = staff.xadd(topology.IN_SUBMISSIONS, {"__data__": b"not json"}).decode()
    letter = bus.deadletter(topology.IN_SUBMISSIONS, original, "not JSON", b"a different copy", "wsis-prizes/submission")
    letter_id = staff.xadd(topology.DEADLETTER, {"__data__": letter.to_json()}).decode()
    result = runner.invoke(cli, ["deadletter", "replay", letter_id, "--redis-url", staff_url])
    assert result.exit_code == 0, result.output
    (_, fields), = staff.xrevrange(topology.IN_SUBMISSIONS, count=1)
    assert fields[b"__data__"] == b"not json"


async def test_dead_letters_are_capped_at_about_the_configured_length(redis, monkeypatch):
    monkeypatch.setenv("WSIS_DEADLETTER_MAXLEN", "50")
    get_settings.cache_clear()
    try:
        letters = [(topology.DEADLETTER, bus.deadletter(topology.IN_BALLOTS, f"{n}-0", "x", b"{}", "wsis-prizes/voting")) for n in range(1, 1001)]
        await bus.publish_all(redis, letters)
        # Trimmed by whole nodes of the stream (`~`): about 50, never the thousand.
        assert 50 <= await redis.xlen(topology.DEADLETTER) <= 150
    finally:
        get_settings.cache_clear()


def test_the_readme_documents_the_cap():
    assert "`WSIS_DEADLETTER_MAXLEN`" in (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
