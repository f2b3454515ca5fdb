"""The contest simulator: deterministic for a seed, realistic, and breaking the rules it means to break."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import datetime
from functools import cache

import orjson
import pytest

from demo import prose, world
from demo.ballot_events import Nominee
from demo.entries import FLAWS
from demo.panel import Verdict
from demo.simulator import Simulation, contest_events
from shared import topology
from shared.events import DATA_MODELS

SMALL = Simulation(7, "small")
FULL = Simulation(7, "2021")  # entries only: its members and ballots are planned lazily, and not here
ANSWER_MINIMUMS = {"action_lines_sdg_linkage": 50, "impact": 80, "partnerships": 40, "challenges_and_prospects": 50}


def data(body: bytes) -> dict:
    return orjson.loads(body)["data"]


@cache
def shingles(title: str, text: str) -> frozenset[str]:
    words = re.findall(r"\w+", f"{title}\n{text}".casefold())
    return frozenset(" ".join(words[i : i + 2]) for i in range(len(words) - 1))


def similarity(a: dict, b: dict) -> float:
    x, y = shingles(a["title"], a["short_description"]), shingles(b["title"], b["short_description"])
    return len(x & y) / len(x | y)


def facts(sim: Simulation) -> tuple[dict[int, list[Nominee]], dict[int, list[str]]]:
    nominees = sim.expected_nominees(sim.nominations(sim.expected_verdicts()))
    return nominees, {c: [n.submission_id for n in names[:5]] for c, names in nominees.items()}


def test_the_same_seed_publishes_the_same_bytes_and_another_seed_does_not():
    again = Simulation(7, "small")
    assert [e.body for e in again.submissions()] == [e.body for e in SMALL.submissions()]
    assert [e.body for e in again.members()] == [e.body for e in SMALL.members()]
    nominees, finalists = facts(SMALL)
    assert again.ballots(nominees).weeks == SMALL.ballots(nominees).weeks
    assert [e.body for e in again.selections(finalists).events] == [e.body for e in SMALL.selections(finalists).events]
    other = Simulation(8, "small")
    assert [e.body for e in other.submissions()] != [e.body for e in SMALL.submissions()]


def test_every_event_is_a_cloudevent_whose_data_fits_the_contract_but_the_deliberately_bad_ones():
    kinds: Counter[tuple[str, str]] = Counter()
    for event in contest_events(7, "small"):
        body = orjson.loads(event.body)
        assert body["specversion"] == "1.0" and body["id"] and body["source"].startswith("demo/")
        assert datetime.fromisoformat(body["time"]).tzinfo is not None
        try:
            DATA_MODELS[body["type"]].model_validate(body["data"])
            kinds[body["type"], "fits"] += 1
        except ValueError:
            kinds[body["type"], "does not fit"] += 1
    assert kinds["wsis.submission.submitted", "does not fit"] == sum(e.flaw == "schema" for e in SMALL.entries)
    assert kinds["wsis.ballot.cast", "does not fit"] >= 1  # invalid ballots
    assert kinds["wsis.panel.nominated", "does not fit"] == 0 and kinds["wsis.clock.tick", "fits"] == 9


def test_entries_come_from_all_five_stakeholder_types_and_many_countries_in_every_category():
    entries = FULL.entries
    assert 1_290 <= len(entries) <= 1_310
    assert {e.org.stakeholder_type for e in entries} == {k for k, _ in world.STAKEHOLDER_TYPES}
    assert len({e.org.country for e in entries}) >= 50
    per_category = Counter(e.latest["category"] for e in entries if e.expected == "eligible")
    assert min(per_category[c] for c in range(1, 19)) >= 20  # enough for a full nominee list everywhere


def test_every_rule_is_broken_by_a_realistic_share_of_entries():
    flaws = Counter(e.flaw for e in FULL.entries)
    for flaw, share in FLAWS:
        if flaw == "S11.not_previous_winner":
            assert flaws[flaw] >= 1  # as many as the earlier winners on file allow
            continue
        assert share * 1_300 / 3 <= flaws[flaw] <= share * 1_300 * 2.5, (flaw, flaws[flaw])
    assert 0.70 <= flaws[None] / len(FULL.entries) <= 0.85


def test_sound_entries_keep_every_limit_and_name_one_of_their_goals():
    for entry in FULL.entries:
        if entry.flaw is not None:
            continue
        answers = entry.latest
        assert 150 <= prose.words(answers["short_description"]) <= 200
        assert answers["status"] in ("completed", "key_phase_completed")
        assert entry.at < FULL.contest.submission.end
        if not entry.thin:
            assert all(prose.words(answers[name]) >= minimum for name, minimum in ANSWER_MINIMUMS.items())
            linkage = answers["action_lines_sdg_linkage"]
            assert any(f"SDG {g}" in linkage or f"Goal {g}" in linkage or world.GOAL_NAMES[g] in linkage for g in answers["sdgs"])


@pytest.mark.parametrize("flaw", [f for f, _ in FLAWS])
def test_a_flawed_entry_breaks_the_rule_it_was_planned_to_break(flaw):
    entries = [e for e in FULL.entries if e.flaw == flaw]
    earlier = {e.submission_id: e for e in FULL.entries}
    for entry in entries:
        answers, close = entry.latest, FULL.contest.submission.end
        if flaw == "S9.deadline":
            assert entry.at >= close
        elif flaw == "S7.short_description_words":
            assert not 150 <= prose.words(answers["short_description"]) <= 200
        elif flaw == "S6.completed_work":
            assert answers["status"] == "ongoing"
        elif flaw == "S5.complete":
            assert any(prose.words(answers[n]) < m for n, m in {"impact": 30, "partnerships": 15, "challenges_and_prospects": 20}.items())
        elif flaw == "S3.one_per_entity_category":
            assert any(o.org.entity_id == entry.org.entity_id and o.latest["category"] == answers["category"] and o.at < entry.at
                       for o in earlier.values() if o is not entry)  # fmt: skip
        elif flaw in ("S4.not_submitted_twice", "S4.near_copy"):
            best = max(similarity(answers, o.latest) for o in earlier.values() if o is not entry and o.at < entry.at)
            assert (best == 1.0) if flaw == "S4.not_submitted_twice" else (0.4 <= best < 1.0)
        elif flaw == "schema":
            assert entry.expected == "rejected"


def test_no_two_sound_entries_look_like_copies_of_each_other():
    sound = [e.latest for e in FULL.entries if e.flaw is None][:400]
    worst = max(similarity(a, b) for i, a in enumerate(sound) for b in sound[:i])
    assert worst < 0.3


def test_sound_entries_read_as_english_and_the_foreign_ones_do_not():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identify = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    sound = [e for e in FULL.entries if e.flaw is None][:150]
    for entry in sound + [e for e in FULL.entries if e.flaw == "S10.english"]:
        text = entry.latest["impact"] if entry.flaw else "\n".join(entry.latest[n] for n in ("title", "short_description", "impact"))
        language, confidence = identify.classify(text)
        if entry.flaw:
            assert language != "en", entry.submission_id
        else:
            assert (language, round(confidence, 2) >= 0.9) == ("en", True), entry.submission_id


def test_members_are_registered_once_some_incomplete_some_from_entrant_organisations():
    members = SMALL.electorate.members
    assert len({m.user_id for m in members}) == len(members) == 1_500
    assert 0.02 <= sum(not m.complete for m in members) / len(members) <= 0.07
    assert 0.18 <= sum(m.entrant for m in members) / len(members) <= 0.32
    times = [e.time for e in SMALL.members()]
    assert times == sorted(times)


def test_ballots_fall_in_their_weeks_in_time_order_with_every_kind_of_rule_breaker():
    nominees, _ = facts(SMALL)
    ballots = SMALL.ballots(nominees, record=True)
    assert 7_000 <= ballots.count <= 9_000
    ends = [w.end.isoformat().replace("+00:00", "Z") for w in SMALL.contest.voting_weeks]
    previous = ""
    for week, bodies in enumerate(ballots.weeks):
        for body in bodies:
            time = orjson.loads(body)["time"]
            assert previous <= time and (time < ends[week] if week < len(ends) else time >= ends[-1])
            previous = time
    ids = [orjson.loads(b)["id"] for week in ballots.weeks for b in week]
    assert ids == list(ballots.ids())
    tally = SMALL.expected_tally(ballots, nominees)
    assert set(tally.reasons) == {"voter_unknown", "profile_incomplete", "voting_closed", "project_not_nominated",
                                  "category_mismatch", "own_project", "already_voted", "invalid_ballot"}  # fmt: skip
    assert 0.85 <= tally.accepted / ballots.count <= 0.95


def test_the_2021_scale_plans_about_a_million_and_a_third_ballots_from_two_hundred_thousand_members():
    sim = Simulation(7, "medium")  # the same plan at a tenth of 2021; the 2021 size is measured by the demo
    assert len(sim.members()) == 20_000
    assert 120_000 <= len(sim.ballot_plan.rows) <= 140_000


def test_the_panel_nominates_from_the_verdicts_whatever_their_order_and_slips_as_planned():
    verdicts = SMALL.expected_verdicts()
    shuffled = dict(random.Random(1).sample(sorted(verdicts.items()), len(verdicts)))
    first, second = SMALL.nominations(verdicts), SMALL.nominations(shuffled)
    assert [e.body for e in first.events] == [e.body for e in second.events]
    for category, names in first.expected.items():
        assert len(names) <= 20 and all(verdicts[n].outcome == "eligible" and verdicts[n].category == category for n in names)
    assert first.refusals >= 5 and first.unanswered == 1
    kinds = Counter(orjson.loads(e.body)["type"] for e in first.events)
    assert kinds["wsis.panel.nomination_withdrawn"] == 1


def test_the_panel_fills_a_category_to_twenty_and_then_names_a_twenty_first():
    verdicts = {f"e-{n:02d}": Verdict(3, "eligible", True) for n in range(25)}
    decisions = SMALL.nominations(verdicts)
    assert len(decisions.expected[3]) == 20
    named = [data(e.body)["submission_id"] for e in decisions.events if b"panel.nominated" in e.body]
    assert len(set(named) - set(decisions.expected[3])) >= 1  # the one refused category_full


def test_each_category_winner_is_one_of_its_finalists_and_depends_only_on_the_seed_and_the_finalists():
    _, finalists = facts(SMALL)
    decisions = SMALL.selections(finalists)
    assert all(decisions.expected[c][0] in finalists[c] for c in finalists)
    assert Simulation(7, "small").selections(finalists).expected == decisions.expected
    assert decisions.refusals == 3
    streams_used = {e.stream for e in decisions.events}
    assert streams_used == {topology.IN_PANEL}


def test_ballots_made_a_week_at_a_time_are_the_same_ballots():
    nominees, _ = facts(SMALL)
    assert list(SMALL.ballot_weeks(nominees)) == SMALL.ballots(nominees).weeks
