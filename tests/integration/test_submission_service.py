"""The submission service against a real server and a real database."""

from __future__ import annotations

import asyncio
import json

import pytest

from services.submission.app import build
from shared import topology
from shared.envelope import MAX_ENTRY_BYTES
from tests.support.events import cloudevent
from tests.support.factories import submission
from tests.support.services import running as service_running
from tests.support.streams import answers_to, events, publish, wait_for
from tests.support.waiting import wait_until_async
from wsis import ops

SUBMITTED = "wsis.submission.submitted"


@pytest.fixture
async def running(settings):
    async with service_running("submission", settings) as service:
        yield service


async def test_a_valid_entry_is_stored_then_received_with_revision_one(running, redis):
    sent = cloudevent(SUBMITTED, submission("s-1"))
    await publish(redis, topology.IN_SUBMISSIONS, sent)

    out = await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: len(seen) == 1)

    received = out[0]
    assert received["type"] == "wsis.submission.received"
    assert received["causationid"] == sent["id"]
    assert received["data"]["revision"] == 1
    assert received["data"]["received_at"] == "2021-01-10T10:00:00Z"
    assert received["data"]["entity"]["entity_id"] == "org-1"


async def test_a_projects_owner_is_carried_on_received(running, redis):
    owner = {"name": "Village Network Cooperative", "country": "ke"}
    await publish(redis, topology.IN_SUBMISSIONS, cloudevent(SUBMITTED, submission("s-1", owner=owner)))
    await publish(redis, topology.IN_SUBMISSIONS, cloudevent(SUBMITTED, submission("s-2")))

    out = await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: len(seen) == 2)

    assert out[0]["data"]["owner"] == {"name": "Village Network Cooperative", "country": "KE"}
    assert "owner" not in out[1]["data"]


async def test_an_invalid_entry_gets_every_error_with_its_field_path(running, redis):
    bad = submission("s-2", category=19, sdgs=[], entity={"entity_id": "o", "name": " ", "stakeholder_type": "company", "country": "XX"})
    del bad["impact"]
    sent = cloudevent(SUBMITTED, bad)
    await publish(redis, topology.IN_SUBMISSIONS, sent)

    out = await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: len(seen) == 1)

    assert out[0]["type"] == "wsis.submission.rejected"
    assert out[0]["data"]["submission_id"] == "s-2"
    fields = {e["field"] for e in out[0]["data"]["errors"]}
    assert fields == {"category", "sdgs", "entity.name", "entity.stakeholder_type", "entity.country", "impact"}


async def test_garbage_is_dead_lettered_and_the_next_entry_is_still_answered(running, redis):
    garbage_id = await publish(redis, topology.IN_SUBMISSIONS, b"\x00not json{")
    no_type = cloudevent(SUBMITTED, submission("s-x"))
    del no_type["type"]
    await publish(redis, topology.IN_SUBMISSIONS, no_type)
    await publish(redis, topology.IN_SUBMISSIONS, b"x" * (MAX_ENTRY_BYTES + 1))
    await publish(redis, topology.IN_SUBMISSIONS, cloudevent("wsis.ballot.cast", {"voter_id": "v"}))
    good = cloudevent(SUBMITTED, submission("s-3"))
    await publish(redis, topology.IN_SUBMISSIONS, good)

    dead = await wait_for(redis, topology.DEADLETTER, lambda seen: len(seen) == 4)
    out = await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: len(seen) == 1)

    assert out[0]["causationid"] == good["id"]
    first = dead[0]["data"]
    assert first["stream"] == topology.IN_SUBMISSIONS and first["entry_id"] == garbage_id
    assert "not a CloudEvent" in first["error"]
    assert "type" in dead[1]["data"]["error"]
    assert "limit is 1048576" in dead[2]["data"]["error"] and len(dead[2]["data"]["raw"]) == 64 * 1024
    assert "unknown event type 'wsis.ballot.cast'" in dead[3]["data"]["error"]
    assert await redis.xpending(topology.IN_SUBMISSIONS, "submission") == {"pending": 0, "min": None, "max": None, "consumers": []}


async def test_a_redelivered_event_gets_the_same_answer_and_changes_nothing(running, redis):
    sent = cloudevent(SUBMITTED, submission("s-4"))
    await publish(redis, topology.IN_SUBMISSIONS, sent)
    await publish(redis, topology.IN_SUBMISSIONS, sent)
    resent = cloudevent(SUBMITTED, submission("s-4"))  # same content, new event id
    await publish(redis, topology.IN_SUBMISSIONS, resent)

    out = await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: len(answers_to(seen, resent["id"])) == 1)

    assert len(answers_to(out, sent["id"])) == 1
    assert [e["data"]["revision"] for e in out] == [1, 1]


async def test_an_amendment_before_the_deadline_is_a_new_revision(running, redis):
    await publish(redis, topology.IN_SUBMISSIONS, cloudevent(SUBMITTED, submission("s-5")))
    amended = cloudevent(SUBMITTED, submission("s-5", title="Digital classrooms, second phase"), time_="2021-01-25T21:59:59Z")
    await publish(redis, topology.IN_SUBMISSIONS, amended)

    out = await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: len(seen) == 2)

    assert out[1]["data"]["revision"] == 2
    assert out[1]["data"]["title"] == "Digital classrooms, second phase"
    assert out[1]["data"]["received_at"] == "2021-01-25T21:59:59Z"


async def test_an_amendment_at_the_deadline_is_refused(running, redis):
    await publish(redis, topology.IN_SUBMISSIONS, cloudevent(SUBMITTED, submission("s-6")))
    late = cloudevent(SUBMITTED, submission("s-6", title="Changed"), time_="2021-01-25T22:00:00Z")
    await publish(redis, topology.IN_SUBMISSIONS, late)

    out = await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: len(seen) == 2)

    assert out[1]["type"] == "wsis.submission.rejected"
    assert out[1]["data"]["errors"][0]["message"].startswith("deadline:")


async def test_outbound_events_are_plain_cloudevents_json(running, redis):
    await publish(redis, topology.IN_SUBMISSIONS, cloudevent(SUBMITTED, submission("s-7")))
    await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: len(seen) == 1)

    (_, fields), = await redis.xrange(topology.OUT_SUBMISSION)
    assert list(fields) == [b"__data__"]
    body = json.loads(fields[b"__data__"])
    assert body["specversion"] == "1.0" and body["source"] == "wsis-prizes/submission"


async def test_an_entry_that_fails_every_time_is_dead_lettered_after_bounded_deliveries(settings, redis, monkeypatch):
    service = build(settings)
    from services.submission import handler as submission_handler

    original = submission_handler.SubmissionHandler.handle

    def flaky(self, session, stream, event):
        if event.data.get("submission_id") == "poison":
            raise RuntimeError("the handler broke")
        return original(self, session, stream, event)

    monkeypatch.setattr(submission_handler.SubmissionHandler, "handle", flaky)
    poison = cloudevent(SUBMITTED, submission("poison"))
    async with service.app:
        await publish(redis, topology.IN_SUBMISSIONS, poison)
        good = cloudevent(SUBMITTED, submission("fine"))
        await publish(redis, topology.IN_SUBMISSIONS, good)

        dead = await wait_for(redis, topology.DEADLETTER, lambda seen: len(seen) == 1, timeout=20)
        out = await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: len(seen) == 1)

        assert "RuntimeError: the handler broke" in dead[0]["data"]["error"]
        assert "gave up after 3 deliveries" in dead[0]["data"]["error"]
        assert out[0]["causationid"] == good["id"]
        assert (await redis.xpending(topology.IN_SUBMISSIONS, "submission"))["pending"] == 0
        assert await events(redis, topology.OUT_SUBMISSION) == out

        monkeypatch.setattr(submission_handler.SubmissionHandler, "handle", original)  # the fix is deployed
        (letter_id, _), = await redis.xrange(topology.DEADLETTER)
        await asyncio.to_thread(ops.replay, sync_client(settings), letter_id.decode())
        answered = await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: answers_to(seen, poison["id"]))

    assert answers_to(answered, poison["id"])[0]["type"] == "wsis.submission.received"
    assert len(await events(redis, topology.DEADLETTER)) == 1


async def test_entries_left_pending_by_a_consumer_that_died_are_reclaimed(settings, redis):
    await redis.xgroup_create(topology.IN_SUBMISSIONS, "submission", id="0", mkstream=True)
    stranded = [cloudevent(SUBMITTED, submission(f"stranded-{i}")) for i in range(3)]
    for event in stranded:
        await publish(redis, topology.IN_SUBMISSIONS, event)
    # A replica read them, then died before its acknowledgement.
    await redis.xreadgroup("submission", "submission-gone-1-x", {topology.IN_SUBMISSIONS: ">"})
    assert (await redis.xpending(topology.IN_SUBMISSIONS, "submission"))["pending"] == 3

    async with service_running("submission", settings):
        out = await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: len(seen) == 3, timeout=20)

        async def none_pending() -> bool:
            return (await redis.xpending(topology.IN_SUBMISSIONS, "submission"))["pending"] == 0

        await wait_until_async(none_pending, what="every reclaimed entry acknowledged", timeout=20)

    assert sorted(e["causationid"] for e in out) == sorted(e["id"] for e in stranded)


def sync_client(settings):
    import redis as sync_redis

    return sync_redis.Redis.from_url(settings.bus_url())


async def test_a_running_service_is_healthy_and_a_stopped_one_is_not(settings, redis_url):
    import redis as sync_redis

    from wsis.health import alive_consumers

    client = sync_redis.Redis.from_url(redis_url)
    service = build(settings)
    async with service.app:
        await wait_until_async(lambda: alive_consumers(client, "submission"), what="a submission consumer", timeout=5)  # it exists from its first read
        assert any(found.startswith("wsis:in:submissions/submission-") for found in alive_consumers(client, "submission"))
        assert alive_consumers(client, "voting") == []
    assert alive_consumers(client, "submission", host="another-host") == []
