"""The `rules:` section of the contest file is checked at start: a mistake stops the service with a clear message."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.eligibility.domain.entry import EntryRevision
from services.eligibility.domain.facts import Facts, Guess, LanguageFacts
from services.eligibility.domain.screening import screen
from services.eligibility.rulebook import load_rule_book
from shared.contest import DEFAULT_CONTEST_FILE, ContestError, load_contest
from shared.rules import CONTRACT_RULES
from tests.support.factories import submission, words


def shipped() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_CONTEST_FILE.read_text())


def rule(raw: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in raw["rules"] if r["id"] == rule_id)


def write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    shutil.copy(DEFAULT_CONTEST_FILE.parent / "previous-winners.csv", tmp_path / "previous-winners.csv")
    path = tmp_path / "contest.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def load_book(tmp_path: Path, raw: dict[str, Any]):
    return load_rule_book(load_contest(write(tmp_path, raw)))


def test_the_shipped_file_has_every_contract_rule_in_order():
    book = load_rule_book(load_contest())
    assert [r.id for r in book.rules] == list(CONTRACT_RULES)
    assert book.winners["S11.not_previous_winner"].by_title


@pytest.mark.parametrize(
    ("change", "message"),
    [(lambda raw: rule(raw, "S2.category").update(kind="categories"), "does not match any of the expected tags"),
     (lambda raw: rule(raw, "S7.short_description_words")["params"].pop("max"), "rules.5.word_range.params.max: Field required"),
     (lambda raw: rule(raw, "S4.not_submitted_twice")["params"].update(similarty=0.5), "similarty: Extra inputs are not permitted"),
     (lambda raw: rule(raw, "S6.completed_work").update(enabeld=False), "enabeld: Extra inputs are not permitted"),
     (lambda raw: rule(raw, "S7.short_description_words")["reasons"].update(too_many="{word} words"), "too_many: unknown placeholder {word}"),
     (lambda raw: rule(raw, "S4.not_submitted_twice")["reasons"].update(near_copy="{similarity:.0q}"), "near_copy: Unknown format code"),
     (lambda raw: rule(raw, "S7.short_description_words")["params"].update(min=250), "max (200) is below min (250)"),
     (lambda raw: rule(raw, "S6.completed_work")["params"].update(accepted=["done"]), "accepted.0: Input should be"),
     (lambda raw: rule(raw, "S5.complete")["params"]["min_words"].update(impacts=3), "min_words.impacts"),
     (lambda raw: raw["rules"].append(dict(rule(raw, "S2.category"))), "rule S2.category appears twice"),
     (lambda raw: rule(raw, "S2.category").update(id="S2 category"), "String should match pattern")],
)  # fmt: skip
def test_a_mistake_in_a_rule_is_a_start_up_error_naming_it(tmp_path, change, message):
    raw = shipped()
    change(raw)
    with pytest.raises(ContestError) as failure:
        load_book(tmp_path, raw)
    assert message in str(failure.value)


def test_a_file_without_a_contract_rule_is_refused_by_the_service(tmp_path):
    raw = shipped()
    raw["rules"] = [r for r in raw["rules"] if r["id"] != "S10.english"]
    with pytest.raises(ContestError, match=r"rules lacks S10.english \(kind language\)"):
        load_book(tmp_path, raw)


def test_a_language_the_detector_does_not_know_is_refused(tmp_path):
    raw = shipped()
    rule(raw, "S10.english")["params"]["expected"] = "xx"
    with pytest.raises(ContestError, match="does not know language 'xx'"):
        load_book(tmp_path, raw)


def test_a_second_near_copy_rule_is_refused(tmp_path):
    raw = shipped()
    raw["rules"].append({**rule(raw, "S4.not_submitted_twice"), "id": "S12.not_a_copy"})
    with pytest.raises(ContestError, match="only one rule of kind not_a_copy"):
        load_book(tmp_path, raw)


def test_a_missing_winners_file_is_a_start_up_error(tmp_path):
    raw = shipped()
    rule(raw, "S11.not_previous_winner")["params"]["winners_file"] = "winners-2020.csv"
    with pytest.raises(ContestError, match="cannot read the winners file .*winners-2020.csv"):
        load_book(tmp_path, raw)


def test_a_malformed_winners_file_is_a_start_up_error(tmp_path):
    path = write(tmp_path, shipped())
    (tmp_path / "previous-winners.csv").write_text("year,title\n2019,Something\n")
    with pytest.raises(ContestError, match="the first line must be year,category,title,organisation"):
        load_rule_book(load_contest(path))


def test_a_rule_is_retuned_by_editing_the_file_alone(tmp_path):
    raw = shipped()
    rule(raw, "S7.short_description_words")["params"]["max"] = 250
    rule(raw, "S6.completed_work")["enabled"] = False
    book = load_book(tmp_path, raw)
    data = submission("s-1", short_description=words(212), status="ongoing", received_at="2021-01-10T10:00:00Z", revision=1)
    results = {r.rule: r.result for r in screen(EntryRevision.model_validate(data), Facts(language=LanguageFacts((("entry", Guess("en", 1.0)),))), book).rules}
    assert results["S7.short_description_words"] == "pass" and results["S6.completed_work"] == "pass"


def test_the_word_range_of_the_short_description_comes_from_its_rule():
    contest = load_contest()
    assert (contest.word_range("short_description").min, contest.word_range("short_description").max) == (150, 200)
