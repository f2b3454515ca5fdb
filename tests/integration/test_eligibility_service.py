"""The eligibility service against a real server and both databases, driven through the streams."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import redis.asyncio as aioredis

from services.eligibility.app import build
from shared import topology
from shared.contest import ContestError
from shared.envelope import ID_NAMESPACE
from tests.support.events import cloudevent
from tests.support.factories import submission
from tests.support.services import running as service_running
from tests.support.streams import answers_to, publish, wait_for
from tests.support.texts import ENGLISH, FRENCH

RECEIVED = "wsis.submission.received"
ALL_RULES = ["S2.category", "S3.one_per_entity_category", "S4.not_submitted_twice", "S5.complete", "S6.completed_work",
             "S7.short_description_words", "S9.deadline", "S10.english", "S11.not_previous_winner",
             "N1.answers_detailed", "N3.sdg_relevance"]  # fmt: skip


def received(sid: str, time: str = "2021-01-10T10:00:00Z", revision: int = 1, *, entity: str = "org-1", **fields: Any) -> dict[str, Any]:
    """What the submission service publishes for an entry it stored."""
    data = submission(sid, **fields)
    data["entity"] = {**data["entity"], "entity_id": entity}
    data.update(received_at=time, revision=revision)
    return cloudevent(RECEIVED, data, time_=time, source="wsis-prizes/submission")


def project(n: int) -> dict[str, str]:
    """A distinct project: its own title and description."""
    text = ENGLISH[n % len(ENGLISH)]
    return {"title": f"Project {n} " + text.split()[1], "short_description": text if n < len(ENGLISH) else text + f" Phase {n}."}


def rule(event: dict[str, Any], rule_id: str) -> tuple[str, str]:
    found = next(r for r in event["data"]["rules"] if r["rule"] == rule_id)
    return found["result"], found["reason"]


def of(seen: list[dict[str, Any]], sid: str) -> list[dict[str, Any]]:
    return [e for e in seen if e["data"]["submission_id"] == sid]


@pytest.fixture
async def running(settings):
    async with service_running("eligibility", settings) as service:
        yield service


async def test_every_entry_is_screened_once_with_every_rule_in_order(running, redis):
    sent = received("s-1", **project(0))
    await publish(redis, topology.OUT_SUBMISSION, sent)

    (screened,) = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 1)

    assert screened["type"] == "wsis.submission.screened" and screened["source"] == "wsis-prizes/eligibility"
    assert screened["causationid"] == sent["id"] and screened["subject"] == "s-1" and screened["time"] == "2021-01-10T10:00:00Z"
    assert screened["id"] == str(uuid.uuid5(ID_NAMESPACE, "wsis.submission.screened|s-1|1"))
    data = screened["data"]
    assert [r["rule"] for r in data["rules"]] == ALL_RULES
    assert (data["entity_id"], data["category"], data["outcome"], data["nominable"]) == ("org-1", 4, "eligible", False)
    assert rule(screened, "N3.sdg_relevance")[0] == "fail" and "related" not in data


async def test_the_second_entry_of_an_entity_in_a_category_fails_naming_the_first(running, redis):
    await publish(redis, topology.OUT_SUBMISSION, received("s-1", "2021-01-10T10:00:00Z", **project(0)))
    await publish(redis, topology.OUT_SUBMISSION, received("s-2", "2021-01-11T10:00:00Z", **project(1)))
    await publish(redis, topology.OUT_SUBMISSION, received("s-3", "2021-01-12T10:00:00Z", category=5, **project(2)))

    seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 3)

    assert rule(of(seen, "s-1")[0], "S3.one_per_entity_category") == ("pass", "")
    second = of(seen, "s-2")[0]
    assert second["data"]["outcome"] == "ineligible" and second["data"]["related"] == ["s-1"]
    assert rule(second, "S3.one_per_entity_category")[1].startswith("your organisation entered s-1 in category 4")
    assert rule(of(seen, "s-3")[0], "S3.one_per_entity_category") == ("pass", "")


async def test_an_entry_earlier_by_business_time_wins_even_if_it_arrives_later(running, redis):
    await publish(redis, topology.OUT_SUBMISSION, received("late", "2021-01-11T10:00:00Z", **project(1)))
    early = received("early", "2021-01-10T10:00:00Z", **project(0))
    await publish(redis, topology.OUT_SUBMISSION, early)

    seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 3)

    first_verdict, again = of(seen, "late")
    assert first_verdict["data"]["outcome"] == "eligible"
    assert again["causationid"] == early["id"] and again["data"]["related"] == ["early"]
    assert rule(again, "S3.one_per_entity_category")[0] == "fail"
    assert again["id"] == str(uuid.uuid5(ID_NAMESPACE, "wsis.submission.screened|late|1|after|early|1"))
    assert rule(of(seen, "early")[0], "S3.one_per_entity_category") == ("pass", "")


async def test_an_amendment_of_the_first_entry_does_not_make_it_later(running, redis):
    await publish(redis, topology.OUT_SUBMISSION, received("first", "2021-01-10T10:00:00Z", **project(0)))
    await publish(redis, topology.OUT_SUBMISSION, received("second", "2021-01-11T10:00:00Z", **project(1)))
    amended = project(0) | {"title": "Digital Villages, second phase"}
    await publish(redis, topology.OUT_SUBMISSION, received("first", "2021-01-12T10:00:00Z", revision=2, **amended))

    seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 3)

    assert [e["data"]["submission_id"] for e in seen] == ["first", "second", "first"]
    assert rule(seen[2], "S3.one_per_entity_category") == ("pass", "")
    assert seen[2]["id"] == str(uuid.uuid5(ID_NAMESPACE, "wsis.submission.screened|first|2"))
    assert rule(seen[1], "S3.one_per_entity_category")[0] == "fail"


async def test_exact_copies_fail_and_near_copies_are_for_review_whoever_enters_them(running, redis):
    original = project(0)
    await publish(redis, topology.OUT_SUBMISSION, received("orig", "2021-01-10T10:00:00Z", **original))
    copy = {"title": original["title"].upper() + "!", "short_description": original["short_description"].replace(",", " ,  ")}
    await publish(redis, topology.OUT_SUBMISSION, received("copy", "2021-01-11T10:00:00Z", entity="org-2", category=9, **copy))
    near = original | {"short_description": original["short_description"] + " We will also open two more access points in 2021."}
    await publish(redis, topology.OUT_SUBMISSION, received("near", "2021-01-12T10:00:00Z", entity="org-3", category=2, **near))
    await publish(redis, topology.OUT_SUBMISSION, received("other", "2021-01-13T10:00:00Z", entity="org-4", **project(1)))

    seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 4)

    assert rule(of(seen, "copy")[0], "S4.not_submitted_twice") == ("fail", "the title and short description are the same as those of orig, entered earlier")
    result, reason = rule(of(seen, "near")[0], "S4.not_submitted_twice")
    assert result == "review" and "similar to those of orig" in reason
    assert of(seen, "near")[0]["data"]["outcome"] == "needs_review" and of(seen, "near")[0]["data"]["related"] == ["orig"]
    assert rule(of(seen, "other")[0], "S4.not_submitted_twice") == ("pass", "")


async def test_when_the_original_is_amended_away_the_copy_is_screened_again_and_passes(running, redis):
    await publish(redis, topology.OUT_SUBMISSION, received("orig", "2021-01-10T10:00:00Z", **project(0)))
    await publish(redis, topology.OUT_SUBMISSION, received("copy", "2021-01-11T10:00:00Z", entity="org-2", **project(0)))
    amendment = received("orig", "2021-01-12T10:00:00Z", revision=2, **project(2))
    await publish(redis, topology.OUT_SUBMISSION, amendment)

    seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 4)

    before, after = of(seen, "copy")
    assert rule(before, "S4.not_submitted_twice")[0] == "fail"
    assert rule(after, "S4.not_submitted_twice") == ("pass", "") and after["causationid"] == amendment["id"]


async def test_a_redelivered_or_repeated_received_publishes_no_second_verdict(running, redis):
    sent = received("s-1", **project(0))
    await publish(redis, topology.OUT_SUBMISSION, sent)
    await publish(redis, topology.OUT_SUBMISSION, sent)
    repeat = received("s-1", **project(0))  # the same revision in a new event
    await publish(redis, topology.OUT_SUBMISSION, repeat)
    marker = received("s-2", entity="org-2", **project(1))
    await publish(redis, topology.OUT_SUBMISSION, marker)

    seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(answers_to(seen, marker["id"])) == 1)

    assert [e["data"]["submission_id"] for e in seen] == ["s-1", "s-2"]
    assert len({e["id"] for e in seen}) == 2


async def test_a_late_entry_fails_the_deadline_and_changes_no_earlier_verdict(running, redis):
    await publish(redis, topology.OUT_SUBMISSION, received("timely", "2021-01-25T21:59:59Z", **project(0)))
    await publish(redis, topology.OUT_SUBMISSION, received("late", "2021-01-25T22:00:00Z", **project(0)))

    seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 2)

    assert rule(of(seen, "timely")[0], "S9.deadline") == ("pass", "")
    late = of(seen, "late")[0]
    assert rule(late, "S9.deadline")[1] == "the entry arrived at 2021-01-25 23:00:00 CET; submissions closed at 2021-01-25 23:00:00 CET"
    assert rule(late, "S3.one_per_entity_category")[0] == "fail" and rule(late, "S4.not_submitted_twice")[0] == "fail"


async def test_a_change_timed_after_the_close_changes_no_other_verdict(running, redis):
    await publish(redis, topology.OUT_SUBMISSION, received("orig", "2021-01-10T10:00:00Z", **project(0)))
    await publish(redis, topology.OUT_SUBMISSION, received("copy", "2021-01-11T10:00:00Z", entity="org-2", **project(0)))
    # the submission service refuses amendments after the close; were one to come through anyway
    late_change = received("orig", "2021-01-26T10:00:00Z", revision=2, **project(2))
    await publish(redis, topology.OUT_SUBMISSION, late_change)

    seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(answers_to(seen, late_change["id"])) >= 1)

    assert [e["data"]["submission_id"] for e in answers_to(seen, late_change["id"])] == ["orig"]
    assert [rule(e, "S4.not_submitted_twice")[0] for e in of(seen, "copy")] == ["fail"]


async def test_a_french_entry_fails_s10(running, redis):
    french = {k: FRENCH[1] for k in ("action_lines_sdg_linkage", "impact", "partnerships", "challenges_and_prospects")}
    await publish(redis, topology.OUT_SUBMISSION, received("fr", title="Villages numériques", short_description=FRENCH[0], **french))

    (screened,) = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 1)

    assert rule(screened, "S10.english")[1].startswith("the entry appears to be written in French")


async def test_the_duplicate_index_and_the_order_survive_a_restart(settings, redis):
    async with service_running("eligibility", settings):
        await publish(redis, topology.OUT_SUBMISSION, received("orig", "2021-01-10T10:00:00Z", **project(0)))
        await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 1)
    near = project(0) | {"short_description": project(0)["short_description"] + " Two more villages join in 2021."}
    async with service_running("eligibility", settings):
        await publish(redis, topology.OUT_SUBMISSION, received("near", "2021-01-11T10:00:00Z", entity="org-2", **near))
        await publish(redis, topology.OUT_SUBMISSION, received("again", "2021-01-12T10:00:00Z", **project(1)))
        seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 3)

    assert rule(of(seen, "near")[0], "S4.not_submitted_twice")[0] == "review"
    assert of(seen, "again")[0]["data"]["related"] == ["orig"]


async def test_retuning_the_near_copy_search_rebuilds_the_index_at_start(settings, redis, tmp_path):
    async with service_running("eligibility", settings):
        await publish(redis, topology.OUT_SUBMISSION, received("orig", "2021-01-10T10:00:00Z", **project(0)))
        await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 1)
    retuned = tmp_path / "contest.yaml"
    retuned.write_text(settings.contest_file.read_text().replace("num_perm: 128", "num_perm: 64").replace("similarity: 0.4", "similarity: 0.5"))
    (tmp_path / "previous-winners.csv").write_text((settings.contest_file.parent / "previous-winners.csv").read_text())
    near = project(0) | {"short_description": project(0)["short_description"] + " Two more villages join in 2021."}
    async with service_running("eligibility", settings.model_copy(update={"contest_file": retuned})):
        await publish(redis, topology.OUT_SUBMISSION, received("near", "2021-01-11T10:00:00Z", entity="org-2", **near))
        seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 2)

    result, reason = rule(of(seen, "near")[0], "S4.not_submitted_twice")
    assert result == "review" and reason.endswith("(review from 50%)")


async def test_rejections_on_the_stream_are_ignored_and_unscreenable_data_is_dead_lettered(running, redis):
    rejected = cloudevent("wsis.submission.rejected", {"submission_id": "x", "errors": []}, source="wsis-prizes/submission")
    await publish(redis, topology.OUT_SUBMISSION, rejected)
    broken = cloudevent(RECEIVED, {"submission_id": "y", "revision": 1, "received_at": "2021-01-10T10:00:00Z"})
    await publish(redis, topology.OUT_SUBMISSION, broken)
    incomplete = received("z", **project(0))
    del incomplete["data"]["impact"]
    incomplete["data"]["category"] = 42
    await publish(redis, topology.OUT_SUBMISSION, incomplete)

    (screened,) = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 1)
    (dead,) = await wait_for(redis, topology.DEADLETTER, lambda seen: len(seen) == 1)

    assert dead["data"]["entry_id"] == broken["id"] and "entity: Field required" in dead["data"]["error"]
    assert rule(screened, "S2.category")[0] == "fail" and rule(screened, "S5.complete")[1] == "the answer on impact is missing"
    assert (await redis.xpending(topology.OUT_SUBMISSION, "eligibility"))["pending"] == 0


async def test_replaying_the_stream_into_a_fresh_service_gives_the_same_events(settings, redis, tmp_path):
    if settings.database_url:
        pytest.skip("replays into a second, fresh SQLite database; the PostgreSQL fixture gives one database per test")
    entries = [received("a", "2021-01-11T10:00:00Z", **project(0)), received("b", "2021-01-10T10:00:00Z", **project(1)),
               received("c", "2021-01-12T10:00:00Z", entity="org-2", **project(0)),
               received("a", "2021-01-13T10:00:00Z", revision=2, **project(2))]  # fmt: skip
    replica = settings.model_copy(update={"redis_url": settings.redis_url.rstrip("/") + "/1", "data_dir": tmp_path / "replay"})
    other = aioredis.Redis.from_url(replica.redis_url)
    await other.flushdb()
    try:
        outputs = []
        for target, service_settings in ((redis, settings), (other, replica)):
            for sent in entries:
                await publish(target, topology.OUT_SUBMISSION, sent)
            async with service_running("eligibility", service_settings):
                outputs.append(await wait_for(target, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 6))
    finally:
        await other.flushdb()
        await other.aclose()

    first, second = outputs
    assert second == first
    assert [e["data"]["submission_id"] for e in first] == ["a", "b", "a", "c", "a", "c"]


async def test_a_service_whose_contest_file_has_a_mistake_does_not_start(settings, tmp_path):
    bad = tmp_path / "contest.yaml"
    bad.write_text(settings.contest_file.read_text().replace("kind: status", "kind: statuss"))
    service = build(settings.model_copy(update={"contest_file": bad}))
    with pytest.raises(ContestError, match="statuss"):
        async with service.app:
            pass
    assert service.handler is None
