"""An annulment while two `wsis run voting` replicas take ballots, on SQLite and PostgreSQL.

Ballots of fake and honest members flow through two replicas of one group;
staff annul the fakes in the middle of it. Whichever replica stores a
ballot, no vote of a fake counts after the annulment, their later ballots
are rejected `voter_suspended`, the suspension outlives a restart, and
every report agrees with the contract's rule recomputed from the stream
(docs/verify_tally.py).
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from shared import topology
from tests.e2e.test_voting_race import ballots_handled, start_replica
from tests.integration.test_voting_tally_check import check, dump_of
from tests.support.events import ballot, cloudevent, member, nominees, tick
from tests.support.streams import of_type, wait_for
from tests.support.waiting import wait_until_async

pytestmark = pytest.mark.slow
FAKES = [f"fake-{i}" for i in range(60)]
HONEST = [f"honest-{i}" for i in range(140)]
LIST = {4: [("p-1", "org-1"), ("p-2", "org-2")], 7: [("p-3", "org-3"), ("p-4", "org-4")]}


def annulment(voters: list[str]) -> dict:
    data = {"voter_ids": voters, "staff_member_id": "staff-7", "reason": "registered after opening, all for p-1 within minutes"}
    return cloudevent("wsis.staff.votes_annulled", data, time_="2021-03-12T10:00:00Z", source="console")


def interleaved(first: list[dict], second: list[dict]) -> list[dict]:
    mixed = [one for pair in zip(first, second, strict=False) for one in pair]
    return mixed + first[len(second) :] + second[len(first) :]


async def send(redis, stream: str, batch: list[dict]) -> None:
    async with redis.pipeline(transaction=False) as pipe:
        for one in batch:
            pipe.xadd(stream, {"__data__": json.dumps(one)})
        await pipe.execute()


def answering(sent: list[dict]):
    """A `wait_for` predicate: every event of `sent` answered on voting's output."""
    ids = {one["id"] for one in sent}
    return lambda seen: ids <= {e["causationid"] for e in seen}


def reporting(kind: str):
    return lambda seen: bool(of_type(seen, kind))


async def start(redis, redis_url: str, data_dir: Path, database_url: str | None, logs: list[Path]) -> list[subprocess.Popen[bytes]]:
    replicas = []
    for count, log in enumerate(logs, start=1):
        replicas.append(start_replica(redis_url, data_dir, database_url, log))

        async def reading(count: int = count) -> bool:
            try:
                return len(await redis.xinfo_consumers(topology.IN_STAFF, "voting")) >= count
            except Exception:
                return False

        await wait_until_async(reading, timeout=60, what=f"{count} replica(s) reading", every=0.1)
    return replicas


def stop(replicas: list[subprocess.Popen[bytes]]) -> None:
    for replica in replicas:
        replica.send_signal(signal.SIGTERM)
    for replica in replicas:
        replica.wait(30)


async def test_an_annulment_holds_on_two_replicas_and_across_a_restart(redis, redis_url, database_url, tmp_path):
    data_dir = tmp_path / "data"
    await send(redis, topology.IN_STAKEHOLDERS, [member(voter) for voter in FAKES + HONEST])
    await send(redis, topology.OUT_JUDGING, [nominees(LIST)])
    # Two rounds of ballots around the annulment; the fakes all for one project, the honest spread.
    rounds = [
        interleaved([ballot(v, 4, "p-1", time_="2021-03-02T10:00:00Z") for v in FAKES],
                    [ballot(v, 4, ("p-1", "p-2")[i % 2], time_="2021-03-02T11:00:00Z") for i, v in enumerate(HONEST)]),
        interleaved([ballot(v, 7, "p-3", time_="2021-03-12T09:00:00Z") for v in FAKES],
                    [ballot(v, 7, ("p-3", "p-4")[i % 2], time_="2021-03-12T09:30:00Z") for i, v in enumerate(HONEST)]),
    ]  # fmt: skip
    annul = annulment(FAKES)
    logs = [tmp_path / "replica-a.log", tmp_path / "replica-b.log"]
    replicas = await start(redis, redis_url, data_dir, database_url, logs)
    try:
        await send(redis, topology.IN_BALLOTS, rounds[0])
        await send(redis, topology.IN_CLOCK, [tick("2021-03-07T23:00:00Z")])
        await wait_for(redis, topology.OUT_VOTING, reporting("wsis.voting.progress"), timeout=60)
        half = len(rounds[1]) // 2
        await send(redis, topology.IN_BALLOTS, rounds[1][:half])
        await send(redis, topology.IN_STAFF, [annul])  # while the second round is being taken
        await send(redis, topology.IN_BALLOTS, rounds[1][half:])
        out = await wait_for(redis, topology.OUT_VOTING, answering([*rounds[0], *rounds[1], annul]), timeout=120)
        assert all(ballots_handled(log) > 0 for log in logs), "both replicas must have taken ballots"
    finally:
        stop(replicas)

    (answer,) = [e for e in out if e["causationid"] == annul["id"]]
    assert answer["type"] == "wsis.votes.annulled"
    fake_accepted = [e for e in of_type(out, "wsis.vote.accepted") if e["data"]["voter_id"] in FAKES]
    # Every fake vote stored before the annulment was counted, then annulled; none stored after it.
    assert answer["data"]["votes_annulled"] == len(fake_accepted) >= len(FAKES)
    # After the answer only suspensions (or, from the other replica, an answer stored before it, already annulled).
    fakes_after = [e for e in out[out.index(answer) + 1 :] if e["data"].get("voter_id") in FAKES]
    assert {e["data"].get("reason", "accepted") for e in fakes_after} <= {"voter_suspended", "accepted"}

    # A restart: one replica, the suspension still holds; then the rest of the vote and its reports.
    late = [ballot(v, 9, "p-1", time_="2021-03-20T10:00:00Z") for v in FAKES[:10]]
    honest_late = [ballot(v, 4, "p-2", time_="2021-03-20T10:00:00Z") for v in HONEST[:5]]  # already voted in 4
    replicas = await start(redis, redis_url, data_dir, database_url, [tmp_path / "replica-c.log"])
    try:
        await send(redis, topology.IN_BALLOTS, late + honest_late)
        out = await wait_for(redis, topology.OUT_VOTING, answering(late + honest_late), timeout=120)
        await send(redis, topology.IN_CLOCK, [tick("2021-03-15T00:00:00Z"), tick("2021-04-01T00:00:00Z")])
        out = await wait_for(redis, topology.OUT_VOTING, reporting("wsis.voting.closed"), timeout=60)
    finally:
        stop(replicas)

    by_ballot: dict[str, set[str]] = defaultdict(set)
    for event in of_type(out, "wsis.vote.accepted") + of_type(out, "wsis.vote.rejected"):
        by_ballot[event["causationid"]].add(event["type"] + event["data"].get("reason", ""))
    assert all(len(answers) == 1 for answers in by_ballot.values()), "one ballot, two different answers"
    reasons = Counter(next(iter(by_ballot[one["id"]])) for one in late + honest_late)
    assert reasons == {"wsis.vote.rejectedvoter_suspended": 10, "wsis.vote.rejectedalready_voted": 5}

    week1, week2, *_ = of_type(out, "wsis.voting.progress")
    closed_report = of_type(out, "wsis.voting.closed")[0]["data"]
    votes = {c["category"]: {t["project_id"]: t["votes"] for t in c["tally"]} for c in closed_report["categories"]}
    honest_votes = Counter((e["data"]["category"], e["data"]["project_id"]) for e in of_type(out, "wsis.vote.accepted")
                           if e["data"]["voter_id"] in HONEST)  # fmt: skip
    assert votes[4] == {"p-1": honest_votes[(4, "p-1")], "p-2": honest_votes[(4, "p-2")]}
    assert votes[7] == {"p-3": honest_votes[(7, "p-3")], "p-4": honest_votes[(7, "p-4")]}
    week1_p1 = next(p["votes"] for c in week1["data"]["categories"] if c["category"] == 4 for p in c["projects"] if p["project_id"] == "p-1")
    assert week1_p1 == honest_votes[(4, "p-1")] + len(FAKES)  # week 1 was published before the annulment
    done = check(await dump_of(redis, tmp_path / "voting.jsonl"))
    assert done.returncode == 0, done.stdout + done.stderr
