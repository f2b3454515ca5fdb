"""S10 with the real detector on real project descriptions of the call's length (150 to 200 words).

Thresholds (contest file): a verdict either way needs a probability of 0.9.
On whole entries of this length py3langid gives English, French and
Spanish a probability above 0.99; answers are judged one by one from 30
words, where these languages score at least 0.92.
"""

from __future__ import annotations

import pytest

from services.eligibility.adapters import language
from services.eligibility.domain.entry import EntryRevision, word_count
from services.eligibility.domain.facts import Facts
from services.eligibility.domain.screening import screen
from services.eligibility.rulebook import load_rule_book
from shared.contest import load_contest
from tests.support.factories import submission
from tests.support.texts import ENGLISH, FRENCH, SPANISH

BOOK = load_rule_book(load_contest())
MIN_ANSWER_WORDS = 30


def sentences(text: str, start: int, count: int) -> str:
    return " ".join(text.split(". ")[start : start + count]) + "."


def entry_in(texts: list[str], **overrides: str) -> EntryRevision:
    """An entry whose answers all come from `texts` (one language)."""
    first, second = texts[0], texts[1]
    answers = {
        "title": sentences(second, 0, 1)[:60],
        "short_description": first,
        "action_lines_sdg_linkage": sentences(second, 0, 2),
        "impact": sentences(second, 2, 3),
        "partnerships": sentences(second, 5, 2),
        "challenges_and_prospects": sentences(second, 7, 3),
    }
    data = submission("s-1", **{**answers, **overrides}, received_at="2021-01-10T10:00:00Z", revision=1)
    return EntryRevision.model_validate(data)


def s10(item: EntryRevision) -> tuple[str, str]:
    facts = Facts(language=language.detect(item, MIN_ANSWER_WORDS))
    found = next(r for r in screen(item, facts, BOOK).rules if r.rule == "S10.english")
    return found.result, found.reason


@pytest.mark.parametrize("text", ENGLISH + FRENCH + SPANISH)
def test_the_sample_texts_are_of_the_calls_length(text):
    assert 150 <= word_count(text) <= 200


@pytest.mark.parametrize(("texts", "code"), [(ENGLISH, "en"), (FRENCH, "fr"), (SPANISH, "es")])
def test_each_sample_description_is_recognised_with_confidence(texts, code):
    for text in texts:
        found = language.guess(text)
        assert found.language == code and found.confidence >= 0.99


def test_an_english_entry_passes():
    assert s10(entry_in(ENGLISH)) == ("pass", "")
    assert s10(entry_in(ENGLISH[1:] + ENGLISH[:1])) == ("pass", "")


def test_a_french_entry_fails_naming_the_language():
    result, reason = s10(entry_in(FRENCH))
    assert result == "fail"
    assert reason.startswith("the entry appears to be written in French (")


def test_a_spanish_entry_fails_naming_the_language():
    result, reason = s10(entry_in(SPANISH))
    assert result == "fail" and "written in Spanish" in reason


def test_an_english_entry_with_one_french_answer_is_for_review():
    result, reason = s10(entry_in(ENGLISH, impact=FRENCH[1]))
    assert result == "review"
    assert reason.startswith("the answer on impact appears to be written in French")


def test_a_spanish_description_in_an_english_entry_is_for_review():
    result, reason = s10(entry_in(ENGLISH, short_description=SPANISH[0]))
    assert result == "review" and "short description appears to be written in Spanish" in reason


def test_an_entry_too_short_to_tell_is_for_review():
    item = entry_in(ENGLISH, short_description="Broadband for rural schools.", action_lines_sdg_linkage="SDG 4",
                    impact="N/A", partnerships="ITU, UNESCO", challenges_and_prospects="Funding.", title="OpenHealth")  # fmt: skip
    result, reason = s10(item)
    assert result == "review" and reason.startswith("the entry could not be confirmed as English")


def test_the_model_is_loaded_once():
    assert language.identifier() is language.identifier()


def test_a_guess_is_rounded_so_a_stored_guess_screens_the_same_again():
    found = language.guess(ENGLISH[0][:80])
    assert found.confidence == round(found.confidence, 4)
