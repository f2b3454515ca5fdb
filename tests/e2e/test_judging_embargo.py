"""A whole contest through the judging service, then a scan for a leak of the winners.

The service runs as `wsis up` runs it (`python -m wsis.cli run judging`,
its own process, logs on stderr). The test plays every other system: the
submission and eligibility services, the panel, the voting service, the
ticker. Before `wsis.awards.announced`, no public stream and no log line may
tell a winner from a champion (CONTRACT 5.4).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared import topology
from shared.events import T
from tests.support.events import cloudevent, tick
from tests.support.processes import ROOT, clean_environment
from tests.support.streams import consumed, events, wait_for

CATEGORIES = range(1, 19)
LATE_VERDICTS = 18  # this category's verdicts arrive after its nominations


def pid(category: int, n: int) -> str:
    """Ids without hex letters first, so no UUID or timestamp can contain one."""
    return f"prj-{category:02}-{n:02}"


@pytest.fixture
def judging_process(redis_url: str, tmp_path: Path) -> Iterator[Path]:
    log_path = tmp_path / "judging.log"
    env = clean_environment() | {"WSIS_REDIS_URL": redis_url, "WSIS_DATA_DIR": str(tmp_path / "data"), "WSIS_REPLAY": "true",
                                 "WSIS_LOG_FORMAT": "json", "WSIS_BLOCK_MS": "50"}
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "wsis.cli", "run", "judging"], cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            yield log_path
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


async def send(redis, stream: str, batch: list[dict[str, Any]]) -> None:
    async with redis.pipeline(transaction=False) as pipe:
        for event in batch:
            pipe.xadd(stream, {"__data__": json.dumps(event)})
        await pipe.execute()


def entries(category: int) -> tuple[list[dict], list[dict]]:
    """22 entries a category: 21 eligible, the last ineligible."""
    received, screened = [], []
    for n in range(22):
        sid = pid(category, n)
        entity = {"entity_id": f"org-{category}-{n}", "name": "Some Organisation", "stakeholder_type": "academia", "country": "CH"}
        coordinator = {"name": "A Coordinator", "email": f"c{category}{n}@example.org"}
        received.append(cloudevent(T.SUBMISSION_RECEIVED, {"submission_id": sid, "entity": entity, "coordinator": coordinator, "category": category, "title": f"Project {sid}", "revision": 1}, time_="2021-01-20T10:00:00Z"))
        outcome = "ineligible" if n == 21 else "eligible"
        screened.append(cloudevent(T.SUBMISSION_SCREENED, {"submission_id": sid, "entity_id": entity["entity_id"], "category": category, "outcome": outcome, "rules": [], "nominable": True}, time_="2021-01-20T10:00:05Z"))
    return received, screened


def panel(kind: str, data: dict[str, Any], time_: str) -> dict[str, Any]:
    return cloudevent(kind, {**data, "panel_member_id": "expert-3"}, time_=time_)


def public_streams(keys: list[bytes]) -> list[str]:
    """Every stream on the bus but the sealed one and the panel's own input."""
    names = sorted(k.decode() for k in keys)
    return [n for n in names if n not in (topology.SEALED_JUDGING, topology.IN_PANEL)]


def leaks(text: str, winners: set[str]) -> bool:
    return "winner" in text.lower() and any(w in text for w in winners)


@pytest.mark.timeout(180)
async def test_a_full_contest_keeps_the_winners_sealed_until_the_ceremony(judging_process, redis):
    for category in CATEGORIES:
        received, screened = entries(category)
        await send(redis, topology.OUT_SUBMISSION, received)
        if category != LATE_VERDICTS:
            await send(redis, topology.OUT_ELIGIBILITY, screened)
    nominations = [panel(T.PANEL_NOMINATED, {"submission_id": pid(c, n), "category": c}, "2021-02-15T10:00:00Z") for c in CATEGORIES for n in range(22)]
    nominations.append(panel(T.PANEL_NOMINATED, {"submission_id": pid(5, 0), "category": 5}, "2021-02-16T10:00:00Z"))
    await send(redis, topology.IN_PANEL, nominations)
    await consumed(redis, topology.IN_PANEL, "judging", timeout=60)  # category 18's nominations now wait for their verdicts
    await send(redis, topology.OUT_ELIGIBILITY, entries(LATE_VERDICTS)[1])
    await send(redis, topology.IN_CLOCK, [tick("2021-02-26T23:00:00Z"), tick("2021-02-28T23:00:00Z")])

    out = await wait_for(redis, topology.OUT_JUDGING, lambda seen: any(e["type"] == T.NOMINATIONS_PUBLISHED for e in seen), timeout=90)
    listed = next(e for e in out if e["type"] == T.NOMINATIONS_PUBLISHED)["data"]["categories"]
    assert [[n["submission_id"] for n in c["nominees"]] for c in listed] == [[pid(c, n) for n in range(20)] for c in CATEGORIES]
    refusals = sorted({e["data"]["reason"] for e in out if e["type"] == T.NOMINATION_REFUSED})
    assert refusals == ["already_nominated", "category_full", "not_eligible"]

    finalists = {c: [pid(c, n) for n in (3, 0, 7, 1, 12)] for c in CATEGORIES}
    winners = {c: finalists[c][c % 5] for c in CATEGORIES}
    closed = cloudevent(T.VOTING_CLOSED, {"as_of": "2021-03-31T21:00:00Z", "ballots_root": "0000000000000000000000000000000000000000000000000000000000000000", "categories": [{"category": c, "finalists": f, "tally": [], "ties": []} for c, f in finalists.items()]}, time_="2021-03-31T21:00:00Z")
    select = [panel(T.PANEL_WINNER_SELECTED, {"category": c, "submission_id": winners[c]}, "2021-04-06T09:00:00Z") for c in CATEGORIES]
    second = panel(T.PANEL_WINNER_SELECTED, {"category": 4, "submission_id": finalists[4][0]}, "2021-04-07T09:00:00Z")
    await send(redis, topology.IN_PANEL, select[:9])  # before the close of voting is seen: they wait
    await consumed(redis, topology.IN_PANEL, "judging", timeout=60)
    await send(redis, topology.OUT_VOTING, [cloudevent(T.VOTE_ACCEPTED, {"ballot_id": str(i)}) for i in range(500)] + [closed])
    await send(redis, topology.VOTING_REPORTS, [closed])  # as the voting service copies it
    await send(redis, topology.IN_PANEL, [*select[9:], second])

    refused = await wait_for(redis, topology.OUT_JUDGING, lambda seen: any(e["type"] == T.WINNER_REFUSED for e in seen), timeout=60)
    sealed = await wait_for(redis, topology.SEALED_JUDGING, lambda seen: len(seen) == 18, timeout=60)
    assert {(e["data"]["category"], e["data"]["submission_id"]) for e in sealed} == set(winners.items())
    assert [e["data"]["reason"] for e in refused if e["type"] == T.WINNER_REFUSED] == ["already_decided"]

    # The embargo scan: every public stream, every log line so far.
    named = set(winners.values())
    keys = await redis.keys("wsis:*")
    scanned = 0
    for stream in public_streams(keys):
        for event in await events(redis, stream):
            scanned += 1
            assert event["type"] not in (T.WINNER_RECORDED, T.AWARDS_ANNOUNCED), (stream, event)
            assert not leaks(json.dumps(event), named), (stream, event)
    assert scanned > 1000 and topology.OUT_JUDGING in public_streams(keys)
    lines = judging_process.read_text().splitlines()
    assert not [line for line in lines if leaks(line, named)]
    assert sum('"panel.selection_recorded"' in line for line in lines) == 18
    assert sum(any(w in line for w in named) for line in lines) >= 18  # the scan saw the winners' ids in other lines
    assert not [line for line in lines if "@example.org" in line or "A Coordinator" in line]
    assert sum('"panel.decision_held"' in line for line in lines) >= 22 + 9  # category 18 and the early selections

    await send(redis, topology.IN_PANEL, [panel(T.PANEL_WINNERS_ANNOUNCED, {}, "2021-05-18T14:00:00Z")])
    out = await wait_for(redis, topology.OUT_JUDGING, lambda seen: any(e["type"] == T.AWARDS_ANNOUNCED for e in seen), timeout=60)
    awards = next(e for e in out if e["type"] == T.AWARDS_ANNOUNCED)["data"]["categories"]
    assert {a["category"]: a["winner"] for a in awards} == winners
    assert sum(len(a["champions"]) for a in awards) == 72
    assert all(sorted([a["winner"], *a["champions"]]) == sorted(finalists[a["category"]]) for a in awards)
    assert await events(redis, topology.DEADLETTER) == []
