"""`wsis integrity` against a real server: members, ballots and voting's answers put on the streams as the systems and services would."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import orjson
import redis as sync_redis
from typer.testing import CliRunner

from shared import topology
from tests.support.events import cloudevent
from wsis.cli import cli

runner = CliRunner()
_ids = itertools.count()
OPENS = datetime(2021, 2, 28, 23, 0, tzinfo=UTC)  # voting opens 2021-03-01 00:00 Geneva
CAMPAIGN_AT = OPENS + timedelta(days=3, hours=10)
HONEST, FAKE, FEW = 200, 30, 6


def at(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def put(client: sync_redis.Redis, stream: str, kind: str, data: dict, source: str, when: datetime, id_: str | None = None) -> None:
    client.xadd(stream, {"__data__": orjson.dumps(cloudevent(kind, data, time_=at(when), id_=id_ or f"ev-{next(_ids)}", source=source))})


def register(client: sync_redis.Redis, user: str, when: datetime, org: str, country: str, domain: str) -> None:
    data = {"user_id": user, "username": f"u-{user}", "email": f"{user}@{domain}",
            "organization": {"entity_id": org, "name": f"Org {org}", "type": "academia", "country": country}}  # fmt: skip
    put(client, topology.IN_STAKEHOLDERS, "wsis.stakeholder.registered", data, "stocktaking", when)


def vote(client: sync_redis.Redis, n: int, voter: str, project: str, when: datetime, rejected: str | None = None) -> None:
    ballot = {"voter_id": voter, "category": 4, "project_id": project}
    put(client, topology.IN_BALLOTS, "wsis.ballot.cast", ballot, "voting-frontend", when, f"ballot-{n}")
    answer = {"ballot_id": f"ballot-{n}", **ballot, **({"reason": rejected} if rejected else {})}
    kind = "wsis.vote.rejected" if rejected else "wsis.vote.accepted"
    put(client, topology.OUT_VOTING, kind, answer, "wsis-prizes/voting", when)


def play(redis_url: str) -> None:
    """Honest members voting over the week across five projects, a few on a sixth; a campaign of new accounts on the sixth."""
    client = sync_redis.Redis.from_url(redis_url)
    countries = ("FR", "KE", "BR", "IN", "JP", "CA", "EG", "MX", "DE", "ID")
    for i in range(HONEST):
        group = (i // 5) % 10
        register(client, f"m{i}", OPENS - timedelta(days=20), f"org-{group}", countries[group], f"d{group}.example")
        vote(client, i, f"m{i}", f"entry-{i % 5}", OPENS + timedelta(hours=1) + timedelta(days=6) * i / HONEST)
    for i in range(FEW):  # entry-5's own rhythm: a vote a day
        register(client, f"h{i}", OPENS - timedelta(days=10), f"org-{i}", countries[i], f"d{i}.example")
        vote(client, 500 + i, f"h{i}", "entry-5", OPENS + timedelta(days=i, hours=2))
    for i in range(FAKE):
        register(client, f"fake{i}", OPENS + timedelta(days=3, minutes=i), f"shell-{i}", "XX", "campaign.example")
        vote(client, 1000 + i, f"fake{i}", "entry-5", CAMPAIGN_AT + timedelta(seconds=40 * i))
    vote(client, 2000, "fake0", "entry-5", CAMPAIGN_AT + timedelta(minutes=30), rejected="already_voted")  # never counted
    client.close()


def integrity(redis_url: str, *args: str) -> list[dict]:
    outcome = runner.invoke(cli, ["integrity", "--redis-url", redis_url, "--json", *args])
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.stdout)


async def test_the_campaign_is_flagged_with_its_evidence_and_voters(redis_url: str) -> None:
    play(redis_url)
    found = integrity(redis_url)
    assert {(f["signal"], f["project_id"]) for f in found} == {
        ("new_account_cluster", "entry-5"), ("group_mix:email_domain", "entry-5"), ("group_mix:country", "entry-5"), ("vote_burst", "entry-5")}
    fakes = sorted(f"fake{i}" for i in range(FAKE))
    cluster = next(f for f in found if f["signal"] == "new_account_cluster")
    assert (cluster["week"], cluster["category"], cluster["votes"], cluster["voter_ids"]) == (1, 4, FAKE, fakes)
    assert cluster["window"] == ["2021-03-04 09:00 UTC", "2021-03-04 09:19 UTC"]
    mix = next(f for f in found if f["signal"] == "group_mix:email_domain")
    assert mix["evidence"]["group"] == "campaign.example" and mix["evidence"]["project_voters"] == FAKE + FEW
    assert mix["evidence"]["usual_share"] == round(FAKE / (FAKE + HONEST + FEW), 4)
    assert "at least 50%" in mix["threshold"]


async def test_another_week_has_nothing_and_no_address_is_shown(redis_url: str) -> None:
    play(redis_url)
    assert integrity(redis_url, "--week", 2) == []
    text = runner.invoke(cli, ["integrity", "--redis-url", redis_url]).stdout
    assert "week 1  category 4  project entry-5  new_account_cluster" in text
    assert "@" not in text and "@" not in json.dumps(integrity(redis_url))


async def test_an_empty_bus_has_no_signal(redis_url: str) -> None:
    outcome = runner.invoke(cli, ["integrity", "--redis-url", redis_url])
    assert outcome.exit_code == 0 and outcome.stdout.strip() == "no integrity signal: nothing above its threshold"


async def test_the_html_report_has_a_section_for_the_signals(redis_url: str, tmp_path) -> None:
    play(redis_url)
    outcome = runner.invoke(cli, ["report", "--redis-url", redis_url, "--out", str(tmp_path)])
    assert outcome.exit_code == 0, outcome.output
    page = (tmp_path / "report.html").read_text("utf-8")
    assert '<h2 id="integrity">Integrity signals</h2>' in page and "new_account_cluster" in page and "entry-5" in page
    assert "fake0" not in page and "@" not in page.split("<main>")[-1]  # counts here; ids with `wsis integrity`, never an address
    rows = json.loads((tmp_path / "report.json").read_text("utf-8"))["integrity"]
    assert {r["voters"] for r in rows} == {FAKE}


async def test_a_bad_integrity_section_is_one_line_and_exit_2(redis_url: str, tmp_path) -> None:
    from shared.contest import DEFAULT_CONTEST_FILE

    bad = tmp_path / "contest.yaml"
    bad.write_text(DEFAULT_CONTEST_FILE.read_text("utf-8").replace("min_votes: 20", "min_votes: 1"), "utf-8")
    outcome = runner.invoke(cli, ["integrity", "--redis-url", redis_url], env={"WSIS_CONTEST_FILE": str(bad)})
    assert outcome.exit_code == 2 and "integrity.vote_burst.min_votes" in outcome.output and "Traceback" not in outcome.output
