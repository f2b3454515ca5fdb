"""The notify service against a real Valkey, a real database and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import json
import mailbox
from typing import Any

import pytest

from services.notify.app import build
from services.notify.config import NotifyConfig
from services.notify.sink import SmtpSink
from shared import streams
from tests.factories import submission
from tests.helpers import cloudevent, events, publish, wait_for

RECEIVED = "wsis.submission.received"
SCREENED = "wsis.submission.screened"
JUDGING = "wsis-prizes/judging"


# --- the contract's events, as the other services publish them ---------------------


def received(sid: str, *, email: str | None = None, name: str = "Amina Otieno", title: str | None = None, category: int = 4, revision: int = 1) -> dict[str, Any]:
    data = submission(sid, category=category, title=title or f"Project {sid}", coordinator={"name": name, "email": email or f"{sid}@example.org"})
    data.update(received_at="2021-01-10T10:00:00Z", revision=revision)
    return cloudevent(RECEIVED, data, source="wsis-prizes/submission")


def screened(sid: str, outcome: str = "eligible", *, category: int = 4, rules: list[dict[str, str]] | None = None) -> dict[str, Any]:
    rules = rules or [{"rule": "S2.category", "result": "pass", "reason": ""}]
    data = {"submission_id": sid, "entity_id": f"org-{sid}", "category": category, "outcome": outcome, "rules": rules, "nominable": outcome == "eligible"}
    return cloudevent(SCREENED, data, source="wsis-prizes/eligibility", time_="2021-01-10T10:00:01Z")


def published(nominees: dict[int, list[str]]) -> dict[str, Any]:
    categories = [{"category": c, "nominees": [{"submission_id": s, "entity_id": f"org-{s}", "title": f"Project {s}"} for s in ids]} for c, ids in nominees.items()]
    return cloudevent("wsis.nominations.published", {"categories": categories}, source=JUDGING, time_="2021-02-28T23:00:00Z")


def progress(week: int, standings: dict[int, list[tuple[str, int]]], as_of: str = "2021-03-07T23:00:00Z") -> dict[str, Any]:
    categories = []
    for category, projects in standings.items():
        ranked = sorted(projects, key=lambda p: -p[1])
        categories.append({"category": category, "projects": [{"project_id": p, "votes": v, "rank": ranked.index((p, v)) + 1} for p, v in projects]})
    return cloudevent("wsis.voting.progress", {"week": week, "as_of": as_of, "categories": categories}, source="wsis-prizes/voting", time_=as_of)


def closed(finalists: dict[int, list[str]]) -> dict[str, Any]:
    categories = [{"category": c, "finalists": ids, "tally": [{"project_id": p, "votes": 10 - i} for i, p in enumerate(ids)], "ties": []} for c, ids in finalists.items()]
    return cloudevent("wsis.voting.closed", {"as_of": "2021-03-31T21:00:00Z", "categories": categories}, source="wsis-prizes/voting", time_="2021-03-31T21:00:00Z")


def winner(category: int, sid: str) -> dict[str, Any]:
    return cloudevent("wsis.winner.recorded", {"category": category, "submission_id": sid}, source=JUDGING, time_="2021-04-05T09:00:00Z")


def announced(results: dict[int, tuple[str, list[str]]]) -> dict[str, Any]:
    categories = [{"category": c, "winner": w, "champions": champs} for c, (w, champs) in results.items()]
    return cloudevent("wsis.awards.announced", {"categories": categories}, source=JUDGING, time_="2021-05-20T16:00:00Z")


def vote(kind: str = "wsis.vote.accepted") -> dict[str, Any]:
    data = {"ballot_id": "b", "voter_id": "v", "category": 4, "project_id": "p"}
    return cloudevent(kind, data if kind.endswith("accepted") else {**data, "reason": "already_voted"}, source="wsis-prizes/voting", time_="2021-03-02T10:00:00Z")


def quick() -> NotifyConfig:
    return NotifyConfig(poll_seconds=0.05, backoff_seconds=0.05, backoff_max_seconds=0.2, max_attempts=3, send_timeout_seconds=5)


def sent_events(seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in seen if e["type"] == "wsis.notification.sent"]


@pytest.fixture
def sink():
    with SmtpSink() as server:
        yield server


@pytest.fixture
async def running(settings, sink):
    service = build(settings.model_copy(update={"smtp_url": sink.url}), quick())
    async with service.app:
        yield service


async def until(predicate, timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


# --- tests ----------------------------------------------------------------------------


async def test_a_screened_entry_gets_one_acknowledgement_listing_every_failed_or_review_rule(running, redis, sink):
    rules = [
        {"rule": "S2.category", "result": "pass", "reason": ""},
        {"rule": "S6.completed_work", "result": "fail", "reason": "the project is still ongoing"},
        {"rule": "S10.english", "result": "review", "reason": "the language could not be told with confidence"},
    ]
    await publish(redis, streams.OUT_SUBMISSION, received("s-1", email="amina@example.org"))
    cause = screened("s-1", "ineligible", rules=rules)
    await publish(redis, streams.OUT_ELIGIBILITY, cause)

    out = await wait_for(redis, streams.OUT_NOTIFY, lambda seen: len(seen) == 1)

    (message,) = sink.received()
    assert message["To"].addresses[0].addr_spec == "amina@example.org"
    body = message.get_content()
    assert "S6.completed_work (not met): the project is still ongoing" in body
    assert "S10.english (to be reviewed): the language could not be told with confidence" in body
    assert "S2.category" not in body
    assert out[0]["type"] == "wsis.notification.sent" and out[0]["causationid"] == cause["id"]
    assert out[0]["data"] == {"notification_id": out[0]["data"]["notification_id"], "occasion": "acknowledgement", "submission_id": "s-1"}
    assert "amina" not in json.dumps(out) and "Otieno" not in json.dumps(out)
