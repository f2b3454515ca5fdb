"""The benchmark's contest: members, the entries and their nominee list, a million ballots.

Deterministic for a seed. About 5% of the ballots break a rule, spread over
every reason of the contract; the others are valid and distinct (a voter
votes once in each of a few categories).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import orjson
from redis.asyncio import Redis

from shared import topology
from shared.bus import publish_all
from tests.support.events import cloudevent
from tests.support.factories import submission

OPENS = datetime(2021, 2, 28, 23, 0, tzinfo=UTC)
VOTING_SECONDS = 30 * 86_400 + 22 * 3600  # up to the close, 2021-03-31T21:00Z
CATEGORIES = range(1, 19)
PER_CATEGORY = 20
BAD_SHARE = 0.05


def event(kind: str, event_id: str, time: str, data: dict, source: str) -> bytes:
    return orjson.dumps(cloudevent(kind, data, time_=time, id_=event_id, source=source))


def project(category: int, n: int) -> str:
    return f"p-{category:02d}-{n:02d}"


def members(count: int) -> Iterator[bytes]:
    for i in range(count):
        org = {"entity_id": f"e-{i % 5000:05d}", "name": "Organisation", "type": "civil_society", "country": "KE"}
        if i % 97 == 0:
            del org["country"]  # incomplete profile (V2)
        data = {"user_id": f"m-{i:07d}", "username": f"user{i}", "email": f"m{i}@example.org", "organization": org}
        yield event("wsis.stakeholder.registered", f"reg-{i}", "2021-02-20T10:00:00Z", data, "stocktaking")


def entries() -> Iterator[bytes]:
    """Each nominee as intake received it (V3 compares its organisations); every third names an owner."""
    for c in CATEGORIES:
        for n in range(PER_CATEGORY):
            entity = {"entity_id": f"e-{(c * 100 + n) % 5000:05d}", "name": f"Entrant {c}-{n}", "stakeholder_type": "academia", "country": "CH"}
            data = {**submission(project(c, n), entity=entity, category=c), "received_at": "2021-01-10T10:00:00Z", "revision": 1}
            if n % 3 == 0:
                data["owner"] = {"name": f"Owner {c}-{n}", "country": "KE"}
            yield event("wsis.submission.received", f"rcv-{c}-{n}", "2021-01-10T10:00:00Z", data, "wsis-prizes/submission")


def nominee_list() -> bytes:
    categories = [
        {"category": c, "nominees": [{"submission_id": project(c, n), "entity_id": f"e-{(c * 100 + n) % 5000:05d}", "title": "A project"} for n in range(PER_CATEGORY)]}
        for c in CATEGORIES
    ]
    return event("wsis.nominations.published", "list-2021", "2021-02-28T23:00:00Z", {"categories": categories}, "wsis-prizes/judging")


def _stamp(rng: random.Random) -> str:
    return (OPENS + timedelta(seconds=rng.randrange(VOTING_SECONDS))).isoformat().replace("+00:00", "Z")


def ballots(count: int, member_count: int, seed: int = 2021, offset: int = 0) -> Iterator[bytes]:
    """`count` ballots; ballot i is by member i mod `member_count` in a category of its own."""
    rng = random.Random(seed)
    for i in range(offset, offset + count):
        voter = i % member_count
        if voter % 97 == 0:
            voter += 1  # valid ballots come from complete profiles
        category = 1 + (i // member_count * 7 + voter) % 18
        data = {"voter_id": f"m-{voter:07d}", "category": category, "project_id": project(category, rng.randrange(PER_CATEGORY))}
        time = _stamp(rng)
        if rng.random() < BAD_SHARE:
            time, data = _break(rng, data, time, member_count)
        yield event("wsis.ballot.cast", f"b-{i:08d}", time, data, "voting-frontend")


def _break(rng: random.Random, data: dict, time: str, member_count: int) -> tuple[str, dict]:
    kind = rng.randrange(8)
    if kind == 0:
        data["voter_id"] = f"x-{rng.randrange(10**6)}"  # voter_unknown
    elif kind == 1:
        data["voter_id"] = f"m-{97 * rng.randrange(member_count // 97):07d}"  # profile_incomplete
    elif kind == 2:
        time = "2021-03-31T21:00:00Z"  # voting_closed
    elif kind == 3:
        data["project_id"] = "p-none"  # project_not_nominated
    elif kind == 4:
        data["project_id"] = project(data["category"] % 18 + 1, 0)  # category_mismatch
    elif kind == 5:
        data["category"] = "seven"  # invalid_ballot
    else:
        data["voter_id"] = f"m-{1 + 97 * rng.randrange(member_count // 97):07d}"  # likely already_voted
    return time, data


async def fill(redis: Redis, stream: str, bodies: Iterator[bytes], chunk: int = 10_000) -> int:
    count, batch = 0, []
    for body in bodies:
        batch.append((stream, body))
        if len(batch) == chunk:
            await publish_all(redis, batch)
            count, batch = count + len(batch), []
    await publish_all(redis, batch)
    return count + len(batch)


async def fill_registry(redis: Redis, member_count: int) -> None:
    await fill(redis, topology.IN_STAKEHOLDERS, members(member_count))
    await fill(redis, topology.OUT_SUBMISSION, entries())
    await fill(redis, topology.OUT_JUDGING, iter([nominee_list()]))
