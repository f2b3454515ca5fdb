"""`wsis export stocktaking|success-stories` against a real server, with events put where the services put them.

The coordinators have names and addresses found nowhere else, so a scan of
every format of both exports can tell whether one of them got through.
"""

from __future__ import annotations

import itertools
import json
import re

import orjson
import redis as sync_redis
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from shared import topology
from tests.support.events import cloudevent
from tests.support.factories import submission, words
from wsis.cli import cli

runner = CliRunner()
_ids = itertools.count()
PER_CATEGORY = 20
TRICKY_TITLE = "Bold *claims* | a pipe # a hash <script>alert(1)</script> [link](x) _under_"
TRICKY = "p-7-3"
PERSONAL = ("Quackenbush", "Zephyrine", "hidden-coordinators.example", "zq.")  # every coordinator's name and address have these


def nominees(category: int) -> list[str]:
    return [f"p-{category}-{n}" for n in range(1, PER_CATEGORY + 1)]


def put(client: sync_redis.Redis, stream: str, kind: str, data: dict, source: str, time_: str = "2021-03-02T10:00:00Z") -> None:
    body = cloudevent(kind, data, time_=time_, id_=f"ev-{next(_ids)}", source=source)
    client.xadd(stream, {"__data__": orjson.dumps(body)})


def received(sid: str, category: int, revision: int = 1, **overrides: object) -> dict:
    """`wsis.submission.received` as intake publishes it: the whole entry, coordinator included."""
    n = int(sid.rsplit("-", 1)[1])
    entry = submission(sid, category=category, title=overrides.pop("title", f"Project {sid}"),
                       entity={"entity_id": f"org-{sid}", "name": f"Organisation of {sid}", "stakeholder_type": "academia", "country": "BR"},
                       coordinator={"name": f"Zephyrine Quackenbush {n}", "email": f"zq.{sid}@hidden-coordinators.example", "language": "fr"},
                       **overrides)  # fmt: skip
    return {**entry, "received_at": "2021-01-10T10:00:00Z", "revision": revision}


def play_until_nominees_published(client: sync_redis.Redis) -> None:
    for c in range(1, 19):
        for sid in nominees(c):
            title = TRICKY_TITLE if sid == TRICKY else f"Project {sid}"
            put(client, topology.OUT_SUBMISSION, "wsis.submission.received", received(sid, c, title=title), "wsis-prizes/submission")
    put(client, topology.OUT_SUBMISSION, "wsis.submission.received", received("p-1-1", 1, 2, impact="Amended impact. " + words(90)),
        "wsis-prizes/submission")  # fmt: skip
    put(client, topology.OUT_SUBMISSION, "wsis.submission.received", received("not-nominated-1", 2), "wsis-prizes/submission")
    published = {"categories": [{"category": c, "nominees": [{"submission_id": p, "entity_id": f"org-{p}", "title": f"Project {p}"}
                                                             for p in nominees(c)]} for c in range(1, 19)]}  # fmt: skip
    put(client, topology.OUT_JUDGING, "wsis.nominations.published", published, "wsis-prizes/judging", "2021-02-28T23:00:00Z")


def announce(client: sync_redis.Redis) -> None:
    for c in range(1, 19):  # the panel's decisions: sealed, never read by an export
        put(client, topology.SEALED_JUDGING, "wsis.winner.recorded", {"category": c, "submission_id": nominees(c)[2]}, "wsis-prizes/judging")
    awards = {"categories": [{"category": c, "winner": nominees(c)[2], "champions": [nominees(c)[i] for i in (0, 1, 3, 4)]} for c in range(1, 19)]}
    put(client, topology.OUT_JUDGING, "wsis.awards.announced", awards, "wsis-prizes/judging", "2021-06-01T10:00:00Z")


def export(redis_url: str, kind: str, fmt: str) -> str:
    outcome = runner.invoke(cli, ["export", kind, "--format", fmt, "--redis-url", redis_url])
    assert outcome.exit_code == 0, outcome.output
    return outcome.stdout


async def test_stocktaking_has_every_nominee_by_category_with_the_answers_of_its_latest_revision(redis_url):
    client = sync_redis.Redis.from_url(redis_url)
    play_until_nominees_published(client)
    pub = json.loads(export(redis_url, "stocktaking", "json"))
    assert pub["title"] == "WSIS Stocktaking Report" and pub["counts"] == {"nominee": 360} and pub["missing"] == []
    assert [c["category"] for c in pub["categories"]] == list(range(1, 19))
    assert all([e["submission_id"] for e in c["entries"]] == nominees(c["category"]) for c in pub["categories"])
    first = pub["categories"][0]["entries"][0]
    assert first["revision"] == 2 and first["entity"] == {"entity_id": "org-p-1-1", "name": "Organisation of p-1-1", "stakeholder_type": "academia", "country": "BR"}
    answers = {a["key"]: a["text"] for a in first["answers"]}
    assert answers["impact"].startswith("Amended impact.") and set(answers) == {"short_description", "action_lines_sdg_linkage", "impact",
                                                                                 "partnerships", "challenges_and_prospects"}  # fmt: skip
    assert "not-nominated-1" not in json.dumps(pub) and "coordinator" not in json.dumps(pub)


async def test_success_stories_are_refused_before_the_awards_are_announced(redis_url):
    client = sync_redis.Redis.from_url(redis_url)
    play_until_nominees_published(client)
    for fmt in ("html", "json", "md"):
        outcome = runner.invoke(cli, ["export", "success-stories", "--format", fmt, "--redis-url", redis_url])
        assert outcome.exit_code == 1 and "Traceback" not in outcome.output
        assert outcome.stderr.strip().splitlines()[-1].startswith("the awards are not announced yet") and outcome.stdout == ""


async def test_success_stories_name_18_winners_and_72_champions_winner_first(redis_url, tmp_path):
    client = sync_redis.Redis.from_url(redis_url)
    play_until_nominees_published(client)
    announce(client)
    target = tmp_path / "out" / "success-stories.json"
    outcome = runner.invoke(cli, ["export", "success-stories", "--format", "json", "-o", str(target), "--redis-url", redis_url])
    assert outcome.exit_code == 0, outcome.output
    pub = json.loads(target.read_text())
    assert pub["counts"] == {"winner": 18, "champion": 72} and len(pub["categories"]) == 18
    assert all([e["role"] for e in c["entries"]] == ["winner", *["champion"] * 4] for c in pub["categories"])
    assert pub["categories"][6]["entries"][0]["title"] == TRICKY_TITLE


async def test_no_export_in_any_format_names_a_coordinator(redis_url):
    client = sync_redis.Redis.from_url(redis_url)
    play_until_nominees_published(client)
    announce(client)
    for kind in ("stocktaking", "success-stories"):
        for fmt in ("html", "json", "md"):
            text = export(redis_url, kind, fmt)
            assert "Project p-1-2" in text and "Organisation of p-1-2" in text  # the entries are there...
            found = [word for word in PERSONAL if word.lower() in text.lower()]
            assert not found, f"{kind}.{fmt} names a coordinator: {found}"  # ...their coordinators are not
            assert not re.search(r"[\w.+-]+@[\w-]+\.\w", text), f"{kind}.{fmt} holds an email address"


async def test_markdown_keeps_the_tables_and_markup_whole_whatever_a_title_holds(redis_url):
    client = sync_redis.Redis.from_url(redis_url)
    play_until_nominees_published(client)
    announce(client)
    text = export(redis_url, "success-stories", "md")
    row = next(line for line in text.splitlines() if line.startswith("| winner | p\\-7\\-3") or line.startswith("| winner | p-7-3"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 6  # five cells, the title's pipe escaped
    page = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script" not in page and "<em>" not in page and "<a href" not in page
    assert page.count("<table>") == 19 and all(len(re.findall(r"<td", r)) == 5 for r in re.findall(r"<tr>(.*?)</tr>", page, re.S) if "<td" in r and "winner" in r)
    assert "Bold *claims* | a pipe # a hash &lt;script&gt;alert(1)&lt;/script&gt; [link](x) _under_" in page


async def test_the_html_page_is_print_ready_and_fetches_nothing(redis_url):
    client = sync_redis.Redis.from_url(redis_url)
    play_until_nominees_published(client)
    page = export(redis_url, "stocktaking", "html")
    assert page.count('data-role="nominee"') == 360 and page.count('class="category"') == 18
    assert "@media print" in page and "break-before: page" in page and "@page" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|<link|@import|url\(""", page)
    assert "&lt;script&gt;" in page and "<script" not in page


async def test_a_nominee_whose_entry_is_not_on_the_stream_is_listed_from_the_nominee_list(redis_url):
    client = sync_redis.Redis.from_url(redis_url)
    put(client, topology.OUT_JUDGING, "wsis.nominations.published", {"categories": [
        {"category": 3, "nominees": [{"submission_id": "gone-1", "entity_id": "org-9", "title": "Trimmed away"}]}]}, "wsis-prizes/judging")  # fmt: skip
    pub = json.loads(export(redis_url, "stocktaking", "json"))
    assert pub["missing"] == ["gone-1"] and pub["categories"][0]["entries"][0]["title"] == "Trimmed away"


def test_exports_say_so_when_there_is_no_system_to_read(tmp_path):
    outcome = runner.invoke(cli, ["export", "stocktaking", "--data-dir", str(tmp_path)], env={"WSIS_REDIS_URL": ""})
    assert outcome.exit_code == 1 and outcome.output.startswith("nothing to read") and len(outcome.output.strip().splitlines()) == 1
