"""Each screening rule of CONTRACT 5.1 on its boundaries, through `screen()` and the shipped contest file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from services.eligibility.domain.entry import EntryRevision
from services.eligibility.domain.facts import Facts, Guess, LanguageFacts, RuleBook
from services.eligibility.domain.screening import screen
from services.eligibility.rulebook import load_rule_book
from shared.contest import DEFAULT_CONTEST_FILE, Contest, ContestFile, load_contest
from tests.support.factories import submission, words

ENGLISH = Facts(language=LanguageFacts((("short_description", Guess("en", 1.0)),)))
BOOK = load_rule_book(load_contest())
LINKAGE = "The project advances SDG 4 on quality education and SDG 9 on infrastructure. " + words(60)


def entry(**overrides: Any) -> EntryRevision:
    data = submission("sub-1", **{"action_lines_sdg_linkage": LINKAGE, **overrides})
    data.setdefault("received_at", "2021-01-10T10:00:00Z")
    data.setdefault("revision", 1)
    return EntryRevision.model_validate(data)


def verdict(rule_id: str, item: EntryRevision | None = None, facts: Facts = ENGLISH, book: RuleBook = BOOK) -> tuple[str, str]:
    screened = screen(item or entry(), facts, book)
    (found,) = [r for r in screened.rules if r.rule == rule_id]
    return found.result, found.reason


def test_a_complete_english_entry_passes_every_rule_and_is_nominable():
    screened = screen(entry(), ENGLISH, BOOK)
    assert [r.rule for r in screened.rules] == [
        "S2.category", "S3.one_per_entity_category", "S4.not_submitted_twice", "S5.complete",
        "S6.completed_work", "S7.short_description_words", "S9.deadline", "S10.english",
        "S11.not_previous_winner", "N1.answers_detailed", "N3.sdg_relevance",
    ]  # fmt: skip
    assert {r.result for r in screened.rules} == {"pass"}
    assert screened.outcome == "eligible" and screened.nominable and screened.related is None


@pytest.mark.parametrize(
    ("category", "result", "reason"),
    [(1, "pass", ""), (18, "pass", ""), (19, "fail", "the entry names category 19; the categories are 1 to 18"),
     (0, "fail", "the entry names category 0; the categories are 1 to 18"),
     (None, "fail", "the entry names category none; the categories are 1 to 18"),
     ("4", "fail", "the entry names category none; the categories are 1 to 18")],
)  # fmt: skip
def test_s2_the_category_is_one_of_the_eighteen(category, result, reason):
    assert verdict("S2.category", entry(category=category)) == (result, reason)


def test_s3_a_later_entry_of_the_entity_in_the_category_fails_naming_the_first():
    screened = screen(entry(), Facts(first_in_category="sub-0", language=ENGLISH.language), BOOK)
    s3 = screened.rules[1]
    assert (s3.result, s3.reason) == ("fail", "your organisation entered sub-0 in category 4 before this entry; only one entry per organisation and category is accepted")
    assert screened.related == ["sub-0"] and screened.outcome == "ineligible"


@pytest.mark.parametrize(
    ("facts", "result", "reason"),
    [(Facts(), "pass", ""),
     (Facts(exact_copy_of="sub-0"), "fail", "the title and short description are the same as those of sub-0, entered earlier"),
     (Facts(near_copy_of=("sub-0", 0.8123)), "review", "the title and short description are 81% similar to those of sub-0, entered earlier (review from 40%)")],
)  # fmt: skip
def test_s4_an_exact_copy_fails_and_a_near_copy_is_for_review(facts, result, reason):
    facts = Facts(facts.first_in_category, facts.exact_copy_of, facts.near_copy_of, ENGLISH.language)
    assert verdict("S4.not_submitted_twice", facts=facts) == (result, reason)


@pytest.mark.parametrize(
    ("overrides", "result", "reason"),
    [({"impact": words(30)}, "pass", ""),
     ({"impact": words(29)}, "fail", "the answer on impact has 29 words; the minimum is 30"),
     ({"partnerships": words(14), "impact": None}, "fail", "the answer on impact is missing; the answer on partnerships has 14 words; the minimum is 15"),
     ({"title": "   "}, "fail", "the title is missing"),
     ({"challenges_and_prospects": "- - -"}, "fail", "the answer on challenges and prospects has 0 words; the minimum is 20")],
)  # fmt: skip
def test_s5_every_answer_is_present_and_at_its_minimum(overrides, result, reason):
    assert verdict("S5.complete", entry(**overrides)) == (result, reason)


@pytest.mark.parametrize(
    ("status", "result"), [("completed", "pass"), ("key_phase_completed", "pass"), ("ongoing", "fail"), (None, "fail")]
)
def test_s6_only_completed_work_or_a_completed_key_phase_may_enter(status, result):
    outcome, reason = verdict("S6.completed_work", entry(status=status))
    assert outcome == result
    if status == "ongoing":
        assert reason == "the project is ongoing; only projects that are completed or key phase completed may enter"


@pytest.mark.parametrize(
    ("count", "result", "reason"),
    [(149, "fail", "the short description has 149 words; the minimum is 150"), (150, "pass", ""), (200, "pass", ""),
     (201, "fail", "the short description has 201 words; the limit is 200"),
     (212, "fail", "the short description has 212 words; the limit is 200")],
)  # fmt: skip
def test_s7_the_short_description_has_150_to_200_words(count, result, reason):
    assert verdict("S7.short_description_words", entry(short_description=words(count))) == (result, reason)


def test_s7_counts_words_not_punctuation_or_hyphenated_parts():
    text = words(148) + " e-health, — 2021."
    assert verdict("S7.short_description_words", entry(short_description=text)) == ("pass", "")


def _book_closing(local_close: str) -> RuleBook:
    raw = yaml.safe_load(DEFAULT_CONTEST_FILE.read_text())
    raw["calendar"]["submission"]["closes"] = local_close
    return load_rule_book(Contest(ContestFile.model_validate(raw), DEFAULT_CONTEST_FILE))


@pytest.mark.parametrize(
    ("close", "time", "result", "reason"),
    [(None, "2021-01-25T21:59:59Z", "pass", ""),
     (None, "2021-01-25T22:59:59+01:00", "pass", ""),
     (None, "2021-01-25T22:00:00Z", "fail", "the entry arrived at 2021-01-25 23:00:00 CET; submissions closed at 2021-01-25 23:00:00 CET"),
     (None, "2021-01-26T09:30:00+01:00", "fail", "the entry arrived at 2021-01-26 09:30:00 CET; submissions closed at 2021-01-25 23:00:00 CET"),
     # After the spring change (2021-03-28 02:00 CET -> 03:00 CEST) Geneva is UTC+2.
     ("2021-03-28T03:30:00", "2021-03-28T01:29:59Z", "pass", ""),
     ("2021-03-28T03:30:00", "2021-03-28T01:30:00Z", "fail", "the entry arrived at 2021-03-28 03:30:00 CEST; submissions closed at 2021-03-28 03:30:00 CEST"),
     ("2021-03-28T03:30:00", "2021-03-28T02:29:59+01:00", "pass", ""),  # the same instant as 01:29:59Z
     ("2021-03-28T03:30:00", "2021-03-28T02:30:00+01:00", "fail", "the entry arrived at 2021-03-28 03:30:00 CEST; submissions closed at 2021-03-28 03:30:00 CEST"),
     # Before it, the same wall-clock minutes are UTC+1.
     ("2021-03-28T01:30:00", "2021-03-28T00:29:59Z", "pass", ""),
     ("2021-03-28T01:30:00", "2021-03-28T00:30:00Z", "fail", "the entry arrived at 2021-03-28 01:30:00 CET; submissions closed at 2021-03-28 01:30:00 CET")],
)  # fmt: skip
def test_s9_the_deadline_is_geneva_time_to_the_second_across_the_dst_change(close, time, result, reason):
    book = _book_closing(close) if close else BOOK
    assert verdict("S9.deadline", entry(received_at=time), book=book) == (result, reason)


@pytest.mark.parametrize(
    ("time", "result", "reason"),
    [("2020-11-04T22:59:59Z", "fail",
      "the entry arrived at 2020-11-04 23:59:59 CET, before the call for submissions opened at 2020-11-05 00:00:00 CET"),
     ("2020-11-04T23:00:00Z", "pass", ""),  # the opening instant belongs to the phase
     ("2020-11-05T00:00:00+01:00", "pass", ""),
     ("2020-06-01T10:00:00Z", "fail",
      "the entry arrived at 2020-06-01 12:00:00 CEST, before the call for submissions opened at 2020-11-05 00:00:00 CET")],
)  # fmt: skip
def test_s9_an_entry_timed_before_the_call_opened_fails_with_the_opening_as_its_reason(time, result, reason):
    assert verdict("S9.deadline", entry(received_at=time)) == (result, reason)


@pytest.mark.parametrize(
    ("parts", "result", "reason"),
    [([("short_description", "en", 1.0), ("impact", "en", 0.95)], "pass", ""),
     ([("short_description", "fr", 0.9999), ("impact", "fr", 0.97)], "fail", "the entry appears to be written in French (97% sure); entries must be in English"),
     ([("short_description", "es", 0.9), ("impact", "es", 0.6)], "fail", "the entry appears to be written in Spanish (90% sure); entries must be in English"),
     ([("entry", "fr", 0.95)], "fail", "the entry appears to be written in French (95% sure); entries must be in English"),
     ([("short_description", "en", 0.6)], "review", "the entry could not be confirmed as English (best guess English, 60% sure); staff will check"),
     ([("short_description", "en", 0.99), ("impact", "pt", 0.7)], "review", "the entry could not be confirmed as English (best guess Portuguese, 70% sure); staff will check"),
     ([("entry", "en", 0.5)], "review", "the entry could not be confirmed as English (best guess English, 50% sure); staff will check"),
     ([("short_description", "en", 1.0), ("impact", "fr", 0.95)], "review", "the answer on impact appears to be written in French (95% sure); entries must be in English"),
     ([("short_description", "en", 0.99), ("impact", "fr", 0.99), ("partnerships", "fr", 1.0)], "review", "the answer on impact appears to be written in French (99% sure); entries must be in English"),
     ([], "review", "the entry could not be confirmed as English (best guess an unidentified language (und), 0% sure); staff will check")],
)  # fmt: skip
def test_s10_a_confident_other_language_fails_and_an_unsure_verdict_is_for_review(parts, result, reason):
    facts = Facts(language=LanguageFacts(tuple((n, Guess(lang, p)) for n, lang, p in parts)))
    assert verdict("S10.english", facts=facts) == (result, reason)


@pytest.mark.parametrize(
    ("title", "organisation", "result", "reason"),
    [("Digital classrooms for rural schools", "Open Schools Network", "pass", ""),
     ("Digital Skills for Rural Youth", "Open Schools Network", "fail", "this project won the WSIS Prize 2019 in category 4; earlier winners may not enter again"),
     ("  digital skills for RURAL   youth. ", "open schools  network", "fail", "this project won the WSIS Prize 2019 in category 4; earlier winners may not enter again"),
     ("Digital Skills for Rural Youth", "Another Foundation", "review", "the title is that of the 2019 winner in category 4, entered by another organisation; staff will check"),
     ("Digital Skills for Rural Youth 2", "Open Schools Network", "pass", "")],
)  # fmt: skip
def test_s11_a_previous_winner_fails_whatever_its_case_and_spacing(title, organisation, result, reason):
    item = entry(title=title, entity={"entity_id": "org-1", "name": organisation, "stakeholder_type": "civil_society", "country": "KE"})
    assert verdict("S11.not_previous_winner", item) == (result, reason)


@pytest.mark.parametrize(
    ("overrides", "result", "reason"),
    [({"impact": words(80)}, "pass", ""),
     ({"impact": words(79)}, "fail", "the answer on impact has 79 words; a nominee needs at least 80"),
     ({"partnerships": words(39), "challenges_and_prospects": words(49)}, "fail",
      "the answer on partnerships has 39 words; a nominee needs at least 40; the answer on challenges and prospects has 49 words; a nominee needs at least 50")],
)  # fmt: skip
def test_n1_every_answer_is_at_its_nomination_minimum(overrides, result, reason):
    assert verdict("N1.answers_detailed", entry(**overrides)) == (result, reason)


@pytest.mark.parametrize(
    ("sdgs", "linkage", "result", "reason"),
    [([4, 9], LINKAGE, "pass", ""),
     ([9], "Our work supports SDGs 4, 8 and 9 across the region. " + words(40), "pass", ""),
     ([5], "It advances gender equality through training for women. " + words(40), "pass", ""),
     ([4], "It contributes to Goal #4 in every district we serve. " + words(40), "pass", ""),
     ([], LINKAGE, "fail", "the entry names no Sustainable Development Goal"),
     ([4], "SDG 4. " + words(37), "fail", "the answer on action lines and SDG linkage has 39 words; explaining the link needs at least 40"),
     ([4, 9], "It advances SDG 14 and SDG 3 in coastal towns. " + words(40), "fail",
      "the answer on action lines and SDG linkage does not mention any of the goals the entry names (SDG 4, SDG 9)")],
)  # fmt: skip
def test_n3_names_an_sdg_and_explains_the_link(sdgs, linkage, result, reason):
    assert verdict("N3.sdg_relevance", entry(sdgs=sdgs, action_lines_sdg_linkage=linkage)) == (result, reason)


def test_a_review_makes_the_entry_need_review_and_not_nominable():
    screened = screen(entry(), Facts(near_copy_of=("sub-0", 0.5), language=ENGLISH.language), BOOK)
    assert screened.outcome == "needs_review" and not screened.nominable and screened.related == ["sub-0"]


def test_a_failed_nomination_check_leaves_the_entry_eligible_but_not_nominable():
    screened = screen(entry(impact=words(50)), ENGLISH, BOOK)
    assert screened.outcome == "eligible" and not screened.nominable


def test_a_switched_off_rule_is_listed_as_a_pass_that_says_so():
    rules = tuple(r.model_copy(update={"enabled": False}) if r.id == "S6.completed_work" else r for r in BOOK.rules)
    book = RuleBook(rules, BOOK.close, BOOK.opens, BOOK.zone, BOOK.categories, BOOK.winners)
    assert verdict("S6.completed_work", entry(status="ongoing"), book=book) == ("pass", "not applied: switched off in the contest file")


def test_every_failure_names_the_limit_it_missed():
    bad = entry(short_description=words(212), impact=words(3), status="ongoing", received_at=datetime(2021, 2, 1, tzinfo=UTC))
    reasons = {r.rule: r.reason for r in screen(bad, ENGLISH, BOOK).rules if r.result == "fail"}
    assert reasons["S7.short_description_words"] == "the short description has 212 words; the limit is 200"
    assert "the minimum is 30" in reasons["S5.complete"] and "submissions closed at" in reasons["S9.deadline"]


def test_the_service_keeps_no_personal_data_and_reads_wrong_types_as_missing():
    item = entry(category="4", sdgs=[4, "9", 4], impact=12, status=None)
    kept = item.model_dump()
    assert "coordinator" not in kept and "email" not in str(kept)
    assert (item.category, item.sdgs, item.impact, item.status) == (None, (4,), None, None)
