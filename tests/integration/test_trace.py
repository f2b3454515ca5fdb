"""`wsis trace` against a real server: one entry's story, put on the streams as the systems and the services would."""

from __future__ import annotations

import itertools
import json

import orjson
import redis as sync_redis
from typer.testing import CliRunner

from shared import topology
from tests.support.events import cloudevent
from tests.support.factories import submission
from wsis.cli import cli

runner = CliRunner()
_ids = itertools.count()
SID = "entry-42"
COORDINATOR = {"name": "Oluwaseun Vandersloot", "email": "o.vandersloot@coordinators.example"}
PLATFORM, INTAKE, ELIGIBILITY, JUDGING, VOTING, NOTIFY = ("submission-platform", "wsis-prizes/submission", "wsis-prizes/eligibility",
                                                          "wsis-prizes/judging", "wsis-prizes/voting", "wsis-prizes/notify")  # fmt: skip


def put(client: sync_redis.Redis, stream: str, kind: str, data: dict, source: str, time_: str, id_: str | None = None) -> None:
    client.xadd(stream, {"__data__": orjson.dumps(cloudevent(kind, data, time_=time_, id_=id_ or f"ev-{next(_ids)}", source=source))})


def screened(outcome: str, rules: list[dict], **more: object) -> dict:
    return {"submission_id": SID, "entity_id": "org-1", "category": 4, "outcome": outcome, "rules": rules, "nominable": outcome == "eligible", **more}


def play_the_entry(client: sync_redis.Redis) -> None:
    """Its story to the close of voting, out of time order across streams (each stream in its own order)."""
    entry = submission(SID, coordinator=COORDINATOR)
    put(client, topology.IN_SUBMISSIONS, "wsis.submission.submitted", entry, PLATFORM, "2021-01-10T11:00:00+01:00", "sub-1")
    put(client, topology.IN_SUBMISSIONS, "wsis.submission.submitted", submission("entry-4", coordinator=COORDINATOR), PLATFORM, "2021-01-10T10:30:00Z")
    put(client, topology.OUT_SUBMISSION, "wsis.submission.received", {**entry, "received_at": "2021-01-10T10:00:00Z", "revision": 1}, INTAKE,
        "2021-01-10T10:00:00Z")  # fmt: skip
    review = [{"rule": "S7.short_description_words", "result": "pass", "reason": ""},
              {"rule": "S10.english", "result": "review", "reason": "the language of the impact answer is unsure"}]  # fmt: skip
    put(client, topology.OUT_ELIGIBILITY, "wsis.submission.screened", screened("needs_review", review), ELIGIBILITY, "2021-01-10T10:00:00Z")
    put(client, topology.IN_STAFF, "wsis.staff.screening_decided", {"submission_id": SID, "outcome": "eligible", "staff_member_id": "staff-7",
        "reason": "read by a person: English"}, "staff-console", "2021-01-12T09:00:00Z")  # fmt: skip
    decided = {"staff_member_id": "staff-7", "reason": "read by a person: English", "machine_outcome": "needs_review"}
    put(client, topology.OUT_ELIGIBILITY, "wsis.submission.screened", screened("eligible", review, decided_by=decided), ELIGIBILITY, "2021-01-12T09:00:00Z")
    copy = {**screened("ineligible", [{"rule": "S4.not_submitted_twice", "result": "fail", "reason": "the same project as entry-42"}]),
            "submission_id": "entry-43", "related": [SID]}  # fmt: skip
    put(client, topology.OUT_ELIGIBILITY, "wsis.submission.screened", copy, ELIGIBILITY, "2021-01-13T09:00:00Z")
    put(client, topology.IN_PANEL, "wsis.panel.nominated", {"submission_id": SID, "category": 4, "panel_member_id": "panel-3"}, "expert-group", "2021-02-03T09:00:00Z")
    put(client, topology.OUT_JUDGING, "wsis.nomination.recorded", {"submission_id": SID, "category": 4}, JUDGING, "2021-02-03T09:00:00Z")
    put(client, topology.OUT_JUDGING, "wsis.nomination.refused", {"submission_id": SID, "category": 4, "reason": "already_nominated"}, JUDGING,
        "2021-02-04T09:00:00Z")  # fmt: skip
    put(client, topology.OUT_JUDGING, "wsis.nominations.published", {"categories": [{"category": 4, "nominees": [
        {"submission_id": SID, "entity_id": "org-1", "title": "Digital classrooms"}]}]}, JUDGING, "2021-02-28T23:00:00Z")  # fmt: skip
    for n, (time_, answer) in enumerate([("2021-03-02T10:00:00Z", None), ("2021-03-03T10:00:00Z", None), ("2021-03-04T10:00:00Z", "already_voted"),
                                         ("2021-03-09T10:00:00Z", None), ("2021-04-02T10:00:00Z", "voting_closed")]):  # fmt: skip
        ballot = {"voter_id": f"voter-{n}", "category": 4, "project_id": SID}
        put(client, topology.IN_BALLOTS, "wsis.ballot.cast", ballot, "voting-frontend", time_, f"ballot-{n}")
        kind = "wsis.vote.accepted" if answer is None else "wsis.vote.rejected"
        for _ in range(1 + (n == 0)):  # the first answer again, as after a redelivery: counted once
            put(client, topology.OUT_VOTING, kind, {"ballot_id": f"ballot-{n}", **ballot, **({"reason": answer} if answer else {})}, VOTING, time_)
    put(client, topology.IN_BALLOTS, "wsis.ballot.cast", {"voter_id": "v", "category": 4, "project_id": "entry-420"}, "voting-frontend", "2021-03-02T11:00:00Z")
    put(client, topology.OUT_VOTING, "wsis.voting.progress", {"week": 1, "as_of": "2021-03-07T23:00:00Z", "ballots_root": "00", "categories": [
        {"category": 4, "projects": [{"project_id": SID, "votes": 2, "rank": 1}]}]}, VOTING, "2021-03-07T23:00:00Z")  # fmt: skip
    put(client, topology.OUT_VOTING, "wsis.voting.closed", {"as_of": "2021-03-31T21:00:00Z", "ballots_root": "00", "categories": [
        {"category": 4, "finalists": [SID], "tally": [{"project_id": SID, "votes": 3}], "ties": []}]}, VOTING, "2021-03-31T21:00:00Z")  # fmt: skip
    put(client, topology.OUT_NOTIFY, "wsis.notification.sent", {"notification_id": "n-1", "occasion": "acknowledgement", "submission_id": SID},
        NOTIFY, "2021-01-10T10:00:00Z")  # fmt: skip
    put(client, topology.OUT_NOTIFY, "wsis.notification.failed", {"notification_id": "n-2", "occasion": "progress", "submission_id": SID, "week": 1,
        "error": "550 mailbox o.vandersloot@coordinators.example unknown"}, NOTIFY, "2021-03-07T23:00:00Z")  # fmt: skip
    put(client, topology.IN_PANEL, "wsis.panel.winner_selected", {"category": 4, "submission_id": SID, "panel_member_id": "panel-3"}, "expert-group",
        "2021-04-05T09:00:00Z")  # fmt: skip
    put(client, topology.SEALED_JUDGING, "wsis.winner.recorded", {"category": 4, "submission_id": SID}, JUDGING, "2021-04-05T09:00:00Z")


def trace(redis_url: str, *args: str) -> dict:
    outcome = runner.invoke(cli, ["trace", SID, "--redis-url", redis_url, "--json", *args])
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.stdout)


async def test_the_story_of_an_entry_is_told_in_time_order_with_who_decided_each_step(redis_url):
    client = sync_redis.Redis.from_url(redis_url)
    play_the_entry(client)
    steps = trace(redis_url)["steps"]
    assert [s["type"] for s in steps[:4]] == ["wsis.submission.submitted", "wsis.submission.received", "wsis.submission.screened",
                                             "wsis.notification.sent"]  # fmt: skip
    assert [s["service"] for s in steps[:3]] == [PLATFORM, INTAKE, ELIGIBILITY]
    first, second = (s for s in steps if s["type"] == "wsis.submission.screened" and s["details"].get("outcome") != "ineligible")
    assert first["details"]["review"] == [{"rule": "S10.english", "reason": "the language of the impact answer is unsure"}]
    assert second["details"]["decided_by"]["staff_member_id"] == "staff-7" and "S10.english" in second["what"]
    staff = next(s for s in steps if s["type"] == "wsis.staff.screening_decided")
    assert steps.index(staff) == steps.index(second) - 1 and staff["service"] == "staff-console"  # the cause, then its answer
    whats = [s["what"] for s in steps]
    assert "named in the verdict of entry-43 (ineligible)" in whats and "nomination refused: already_nominated" in whats
    assert "on the published nominee list, category 4" in whats and "voting closed: 3 votes, a finalist (champion)" in whats
    ballots = [s for s in steps if s["type"] == "ballots (summary)"]
    assert [b["details"] for b in ballots] == [
        {"week": 1, "cast": 3, "accepted": 2, "rejected": {"already_voted": 1}},
        {"week": 2, "cast": 1, "accepted": 1, "rejected": {}},
        {"week": None, "cast": 1, "accepted": 0, "rejected": {"voting_closed": 1}},
    ]
    times = [s["time"] for s in steps]
    assert times.index("2021-03-07T23:00:00Z") > times.index(ballots[0]["time"])  # the week's ballots before its report
    assert not any("winner" in s["what"] for s in steps)  # the panel's choice stays sealed until the ceremony


async def test_the_winner_selection_shows_once_the_awards_are_announced(redis_url):
    client = sync_redis.Redis.from_url(redis_url)
    play_the_entry(client)
    put(client, topology.OUT_JUDGING, "wsis.awards.announced", {"categories": [{"category": 4, "winner": SID, "champions": []}]}, JUDGING,
        "2021-06-01T10:00:00Z")  # fmt: skip
    whats = [s["what"] for s in trace(redis_url)["steps"]]
    assert "selected as winner of category 4 by panel member panel-3" in whats and whats[-1] == "announced winner of category 4"


async def test_the_story_names_no_person_in_either_form(redis_url):
    client = sync_redis.Redis.from_url(redis_url)
    play_the_entry(client)
    for args in ([], ["--json"]):
        outcome = runner.invoke(cli, ["trace", SID, "--redis-url", redis_url, *args])
        assert outcome.exit_code == 0, outcome.output
        assert "Vandersloot" not in outcome.stdout and "Oluwaseun" not in outcome.stdout and "@" not in outcome.stdout
        assert "voter-" not in outcome.stdout  # ballots are counted, their voters not named
    lines = runner.invoke(cli, ["trace", SID, "--redis-url", redis_url]).stdout.splitlines()
    assert lines[0].startswith(f"entry {SID}: ") and any(PLATFORM in line and "submitted in category 4" in line for line in lines)


async def test_an_unknown_entry_is_one_line_and_exit_1(redis_url):
    client = sync_redis.Redis.from_url(redis_url)
    play_the_entry(client)
    outcome = runner.invoke(cli, ["trace", "entry-4200", "--redis-url", redis_url])
    assert outcome.exit_code == 1 and outcome.stdout == "" and "Traceback" not in outcome.output
    assert outcome.stderr.strip().splitlines()[-1] == "unknown submission 'entry-4200': no event about it on any stream"
