"""`wsis results` and `wsis report` against a real server, as staff run them on a live system.

The services' public events are put on their streams as the services would
publish them; a winner sits on `wsis:sealed:judging`, where no report may look.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess

import orjson
import pytest
import redis as sync_redis
from typer.testing import CliRunner

from shared import topology
from tests.support.events import cloudevent
from wsis.cli import cli

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync")  # fmt: skip
_ids = itertools.count()


def put(client: sync_redis.Redis, stream: str, kind: str, data: dict) -> None:
    body = cloudevent(kind, data, time_="2021-03-02T10:00:00Z", id_=f"ev-{next(_ids)}", source="wsis-prizes/test")
    client.xadd(stream, {"__data__": orjson.dumps(body)})


def finalists(category: int) -> list[str]:
    return [f"p-{category}-{n}" for n in range(1, 6)]


def play_until_voting_closed(client: sync_redis.Redis) -> None:
    for n in range(3):
        put(client, topology.OUT_ELIGIBILITY, "wsis.submission.screened", {"submission_id": f"s-{n}", "entity_id": "o", "category": 2,
            "outcome": "eligible" if n else "ineligible", "rules": [{"rule": "S9.deadline", "result": "pass" if n else "fail"}], "nominable": True})  # fmt: skip
    put(client, topology.OUT_JUDGING, "wsis.nominations.published", {"categories": [
        {"category": c, "nominees": [{"submission_id": p, "entity_id": "o", "title": f"Project {p}"} for p in finalists(c)]} for c in range(1, 19)]})  # fmt: skip
    for n in range(40):
        category = 1 + n % 18
        put(client, topology.OUT_VOTING, "wsis.vote.accepted", {"ballot_id": f"b-{n}", "voter_id": f"m-{n}", "category": category, "project_id": f"p-{category}-1"})
    put(client, topology.OUT_VOTING, "wsis.vote.rejected", {"ballot_id": "b-99", "voter_id": "m-1", "category": 1, "project_id": "p-1-2", "reason": "already_voted"})
    put(client, topology.OUT_VOTING, "wsis.voting.progress", {"week": 1, "as_of": "2021-03-07T23:00:00Z", "categories": [
        {"category": c, "projects": [{"project_id": p, "votes": 3, "rank": 1} for p in finalists(c)]} for c in range(1, 19)]})  # fmt: skip
    put(client, topology.OUT_VOTING, "wsis.voting.closed", {"as_of": "2021-03-31T21:00:00Z", "categories": [
        {"category": c, "finalists": finalists(c), "tally": [{"project_id": p, "votes": 9 - i} for i, p in enumerate(finalists(c))], "ties": []}
        for c in range(1, 19)]})  # fmt: skip
    for c in range(1, 19):  # the panel's decisions: sealed until the ceremony
        put(client, topology.SEALED_JUDGING, "wsis.winner.recorded", {"category": c, "submission_id": finalists(c)[3]})
    put(client, topology.OUT_NOTIFY, "wsis.notification.sent", {"notification_id": "n-1", "occasion": "acknowledgement", "submission_id": "s-1"})


def announce(client: sync_redis.Redis) -> None:
    put(client, topology.OUT_JUDGING, "wsis.awards.announced", {"categories": [
        {"category": c, "winner": finalists(c)[3], "champions": [p for p in finalists(c) if p != finalists(c)[3]]} for c in range(1, 19)]})  # fmt: skip


def results(redis_url: str) -> dict:
    outcome = runner.invoke(cli, ["results", "--redis-url", redis_url, "--json"])
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.stdout)


async def test_results_call_every_finalist_a_champion_until_the_awards_are_announced(redis_url):
    client = sync_redis.Redis.from_url(redis_url)
    play_until_voting_closed(client)
    before = results(redis_url)
    assert before["announced"] is False and before["phase"].startswith("voting closed")
    assert before["entries"]["by_outcome"] == {"eligible": 2, "needs_review": 0, "ineligible": 1}
    assert before["votes"] == {**before["votes"], "answered": 41, "accepted": 40, "rejected": {"already_voted": 1}}
    assert all("winner" not in c and c["champions"] == finalists(c["category"]) for c in before["categories"])
    assert "winner" not in runner.invoke(cli, ["results", "--redis-url", redis_url]).stdout.replace("winners announced", "")

    announce(client)
    after = results(redis_url)
    assert after["announced"] is True and after["categories"][0]["winner"] == "p-1-4"
    assert sum(len(c["champions"]) for c in after["categories"]) == 72


async def test_report_writes_the_html_page_and_its_json_and_markdown_exports(redis_url, tmp_path):
    client = sync_redis.Redis.from_url(redis_url)
    play_until_voting_closed(client)
    outcome = runner.invoke(cli, ["report", "--redis-url", redis_url, "--out", str(tmp_path)])
    assert outcome.exit_code == 0, outcome.output
    page = (tmp_path / "report.html").read_text()
    assert page.count('<svg class="chart"') == 18 and "p-1-4" in page and 'class="role winner"' not in page
    assert json.loads((tmp_path / "report.json").read_text())["votes"]["accepted"] == 40
    assert "| 1 | C1 Role of governments" in (tmp_path / "report.md").read_text()


def test_results_say_so_when_the_bus_does_not_answer():
    outcome = runner.invoke(cli, ["results", "--redis-url", "redis://127.0.0.1:1"])
    assert outcome.exit_code == 1 and outcome.output.strip().splitlines() == [outcome.output.strip()]
    assert outcome.output.startswith("nothing to read: redis://127.0.0.1:1 ") and "Traceback" not in outcome.output


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian package `chromium`)")
async def test_the_html_report_renders_in_headless_chromium_with_a_chart_per_category(redis_url, tmp_path):
    client = sync_redis.Redis.from_url(redis_url)
    play_until_voting_closed(client)
    announce(client)
    assert runner.invoke(cli, ["report", "--redis-url", redis_url, "--out", str(tmp_path)]).exit_code == 0
    page = (tmp_path / "report.html").as_uri()
    browse = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,3000"]
    dom = subprocess.run([*browse, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=True).stdout
    assert dom.count('class="chart"') == 18 and dom.count('class="chart overview"') == 1 and dom.count('class="bar"') >= 18
    shot = tmp_path / "report.png"
    subprocess.run([*browse, f"--screenshot={shot}", page], capture_output=True, timeout=120, check=True)
    image = shot.read_bytes()
    assert image[:8] == b"\x89PNG\r\n\x1a\n" and len(image) > 50_000  # a page of tables and charts, not a blank one
