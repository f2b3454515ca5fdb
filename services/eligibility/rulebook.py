"""The rule book of a contest, checked at start: contract rules present, data files readable."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from services.eligibility.adapters import language
from services.eligibility.domain.facts import RuleBook
from services.eligibility.domain.winners import (
    WinnerIndex,
    WinnersFileError,
    parse_winners,
)
from shared.contest import Contest, ContestError
from shared.rules import missing_contract_rules

# Kinds whose facts are gathered once per entry (stored language, LSH index).
ONCE = ("not_a_copy", "language")


def load_rule_book(contest: Contest) -> RuleBook:
    where = f"contest file {contest.source}"
    missing = missing_contract_rules(contest.rules)
    if missing:
        raise ContestError(f"{where}: rules lacks {', '.join(missing)} (CONTRACT 5.1 needs them)")
    twice = [kind for kind, n in Counter(r.kind for r in contest.rules).items() if kind in ONCE and n > 1]
    if twice:
        raise ContestError(f"{where}: only one rule of kind {', '.join(twice)} may be given")
    winners: dict[str, WinnerIndex] = {}
    for rule in contest.rules:
        if rule.kind == "language" and rule.params.expected not in language.known_languages():
            raise ContestError(f"{where}: rule {rule.id}: the detector does not know language {rule.params.expected!r}")
        if rule.kind == "previous_winner":
            winners[rule.id] = WinnerIndex.of(_read_winners(contest, rule.params.winners_file, rule.id))
    return RuleBook.of(contest, winners)


def _read_winners(contest: Contest, name: str, rule_id: str) -> tuple:
    base = contest.source.parent if contest.source else Path.cwd()
    path = (base / name).resolve()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ContestError(f"rule {rule_id}: cannot read the winners file {path}: {exc.strerror}") from exc
    try:
        return parse_winners(text, str(path))
    except WinnersFileError as exc:
        raise ContestError(f"rule {rule_id}: {exc}") from exc
