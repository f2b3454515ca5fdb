"""The results read from the public events: counts, weekly votes, the embargo, the report's files."""

from __future__ import annotations

import itertools
import re

import orjson
import pytest

from report import console, export, html, views
from report.state import READABLE, ContestState
from shared import topology
from shared.contest import load_contest
from tests.support.events import cloudevent

CONTEST = load_contest()
_ids = itertools.count()


def event(kind: str, data: dict, event_id: str | None = None, cause: str | None = None) -> bytes:
    body = cloudevent(kind, data, time_="2021-03-02T10:00:00Z", id_=event_id or f"e-{next(_ids)}", source="wsis-prizes/test")
    if cause:
        body["causationid"] = cause
    return orjson.dumps(body)


def finalists(category: int) -> list[str]:
    return [f"p-{category}-{n}" for n in range(1, 6)]


def contest_state(*, announced: bool) -> ContestState:
    state = ContestState()
    for n, outcome in enumerate(("eligible", "eligible", "ineligible", "needs_review")):
        rules = [{"rule": "S6.completed_work", "result": "fail" if outcome == "ineligible" else "pass"},
                 {"rule": "S4.not_submitted_twice", "result": "review" if outcome == "needs_review" else "pass"}]  # fmt: skip
        state.apply(topology.OUT_ELIGIBILITY, event("wsis.submission.screened", {"submission_id": f"s-{n}", "entity_id": "o",
                    "category": 1, "outcome": outcome, "rules": rules, "nominable": outcome == "eligible"}))  # fmt: skip
    listed = [{"category": c, "nominees": [{"submission_id": p, "entity_id": "o", "title": f"Title of {p}"} for p in finalists(c)]}
              for c in range(1, 19)]  # fmt: skip
    state.apply(topology.OUT_JUDGING, event("wsis.nominations.published", {"categories": listed}))
    for week, votes in ((1, 10), (2, 25)):
        report = [{"category": c, "projects": [{"project_id": p, "votes": votes, "rank": 1} for p in finalists(c)]} for c in range(1, 19)]
        state.apply(topology.OUT_VOTING, event("wsis.voting.progress", {"week": week, "as_of": "2021-03-08T00:00:00Z", "categories": report}))
    closed = [{"category": c, "finalists": finalists(c), "tally": [{"project_id": p, "votes": 30 - i} for i, p in enumerate(finalists(c))],
               "ties": []} for c in range(1, 19)]  # fmt: skip
    state.apply(topology.OUT_VOTING, event("wsis.voting.closed", {"as_of": "2021-03-31T21:00:00Z", "categories": closed}))
    if announced:
        awards = [{"category": c, "winner": finalists(c)[2], "champions": [p for p in finalists(c) if p != finalists(c)[2]]} for c in range(1, 19)]
        state.apply(topology.OUT_JUDGING, event("wsis.awards.announced", {"categories": awards}))
    return state


def test_the_report_never_reads_the_sealed_stream_nor_intakes_personal_data():
    assert topology.SEALED_JUDGING not in READABLE and topology.OUT_SUBMISSION not in READABLE


def test_before_the_ceremony_every_finalist_is_a_champion_and_no_category_has_a_winner():
    view = views.results(contest_state(announced=False), CONTEST)
    for category in view["categories"]:
        assert "winner" not in category and category["champions"] == finalists(category["category"])
    page, text = html.render(view), export.markdown(view)
    assert 'class="role winner"' not in page and "winner" not in text and '"winner":' not in orjson.dumps(view).decode()
    assert views.totals(view) == {"winners": 0, "champions": 90, "full": 18}


def test_after_the_ceremony_the_awards_say_which_finalist_won():
    view = views.results(contest_state(announced=True), CONTEST)
    first = view["categories"][0]
    assert first["winner"] == "p-1-3" and "p-1-3" not in first["champions"] and len(first["champions"]) == 4
    assert views.totals(view) == {"winners": 18, "champions": 72, "full": 18}
    assert html.render(view).count('class="role winner"') == 18


def test_entries_are_counted_by_their_latest_verdict_with_failed_and_review_rules():
    state = contest_state(announced=False)
    state.apply(topology.OUT_ELIGIBILITY, event("wsis.submission.screened", {"submission_id": "s-2", "entity_id": "o", "category": 1,
                "outcome": "eligible", "rules": [], "nominable": True}))  # fmt: skip  # an amendment mended it
    entries = views.results(state, CONTEST)["entries"]
    assert entries["by_outcome"] == {"eligible": 3, "needs_review": 1, "ineligible": 0}
    assert entries["screened"] == 4 and entries["screened_events"] == 5
    assert entries["review_rules"] == {"S4.not_submitted_twice": 1} and entries["failed_rules"] == {}


def test_votes_per_week_come_from_the_weekly_running_totals():
    view = views.results(contest_state(announced=False), CONTEST)
    assert view["categories"][0]["votes_per_week"] == [50, 75, None, None, None]


def test_an_answer_seen_twice_counts_once_and_a_contradicting_one_is_flagged():
    state = ContestState()
    accepted = event("wsis.vote.accepted", {"ballot_id": "b-1", "voter_id": "m", "category": 1, "project_id": "p"}, "a-1")
    state.apply(topology.OUT_VOTING, accepted)
    state.apply(topology.OUT_VOTING, accepted)
    state.apply(topology.OUT_VOTING, event("wsis.vote.rejected", {"ballot_id": "b-1", "reason": "already_voted"}, "a-1"))
    state.apply(topology.OUT_VOTING, event("wsis.vote.rejected", {"ballot_id": "b-2", "reason": "own_project"}, "a-2"))
    assert (state.accepted, dict(state.rejected), state.repeated_answers, state.conflicting_answers) == (1, {"own_project": 1}, 1, 1)


def test_a_notification_event_delivered_twice_is_one_email():
    state = ContestState()
    sent = event("wsis.notification.sent", {"notification_id": "n-1", "occasion": "acknowledgement", "submission_id": "s"}, "x-1")
    state.apply(topology.OUT_NOTIFY, sent)
    state.apply(topology.OUT_NOTIFY, sent)
    state.apply(topology.DEADLETTER, event("wsis.deadletter", {"stream": "wsis:in:ballots", "entry_id": "1-0", "error": "e", "raw": ""}))
    state.apply(topology.OUT_VOTING, b"not json at all")
    assert state.sent == {"acknowledgement": 1} and state.dead_letters == {"wsis:in:ballots": 1}


@pytest.mark.parametrize("announced", [False, True])
def test_the_html_page_is_self_contained_with_a_chart_per_category(announced):
    page = html.render(views.results(contest_state(announced=announced), CONTEST))
    assert page.count('<svg class="chart"') == 18 and page.count('<svg class="chart overview"') == 1
    assert "<script" not in page and not re.search(r"(src|href)=\"https?://", page)
    chart = html.bar_chart([1, None], ["<a>", "b"], "<t>")  # labels are text, never markup
    assert "<t>" not in chart and "<a>" not in chart and "&lt;a&gt;" in chart


def test_the_markdown_export_has_a_row_per_category_and_the_json_export_is_the_same_data(tmp_path):
    view = views.results(contest_state(announced=True), CONTEST)
    paths = export.write(view, tmp_path)
    assert orjson.loads(paths["json"].read_bytes()) == view
    rows = [line for line in paths["markdown"].read_text().splitlines() if re.match(r"^\| \d+ \| C", line)]
    assert len(rows) == 18 and "p-1-3 (28, winner)" in rows[0]


def test_the_console_shows_the_phase_and_the_totals():
    from rich.console import Console

    out = Console(record=True, width=160)
    out.print(console.render(views.results(contest_state(announced=True), CONTEST)))
    text = out.export_text()
    assert "winners announced" in text and "18 winners and 72 champions announced" in text
