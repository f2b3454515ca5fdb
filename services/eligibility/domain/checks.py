"""One check per rule kind of `shared/rules.py`: (rule, entry, facts, book) -> Check.

A failed or review check's reason is the rule's own text from the contest
file, filled with the numbers that decided it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.eligibility.domain import sdgs
from services.eligibility.domain.entry import LABELS, EntryRevision, word_count
from services.eligibility.domain.facts import Check, Facts, RuleBook
from services.eligibility.domain.winners import WinnerIndex
from shared import rules as r

PASS = Check("pass")
LANGUAGES = {
    "en": "English", "fr": "French", "es": "Spanish", "pt": "Portuguese", "ar": "Arabic", "ru": "Russian",
    "zh": "Chinese", "de": "German", "it": "Italian", "nl": "Dutch", "tr": "Turkish", "id": "Indonesian",
    "ms": "Malay", "sw": "Swahili", "hi": "Hindi", "bn": "Bengali", "ja": "Japanese", "ko": "Korean",
    "fa": "Persian", "pl": "Polish", "uk": "Ukrainian", "vi": "Vietnamese", "th": "Thai", "ro": "Romanian",
    "ca": "Catalan", "gl": "Galician", "oc": "Occitan", "af": "Afrikaans",
}  # fmt: skip


def language_name(code: str) -> str:
    return LANGUAGES.get(code, f"an unidentified language ({code})" if code == "und" else f"language '{code}'")


def category(rule: r.CategoryRule, entry: EntryRevision, facts: Facts, book: RuleBook) -> Check:
    if entry.category in book.categories:
        return PASS
    shown = entry.category if entry.category is not None else "none"
    return Check("fail", rule.reasons.fail.format(category=shown, first=min(book.categories), last=max(book.categories)))


def first_entry(rule: r.FirstEntryRule, entry: EntryRevision, facts: Facts, book: RuleBook) -> Check:
    first = facts.first_in_category
    if first is None:
        return PASS
    return Check("fail", rule.reasons.fail.format(first=first, category=entry.category), (first,))


def not_a_copy(rule: r.NotACopyRule, entry: EntryRevision, facts: Facts, book: RuleBook) -> Check:
    if facts.exact_copy_of:
        return Check("fail", rule.reasons.exact_copy.format(first=facts.exact_copy_of), (facts.exact_copy_of,))
    if facts.near_copy_of:
        first, similarity = facts.near_copy_of
        reason = rule.reasons.near_copy.format(first=first, similarity=similarity, threshold=rule.params.similarity)
        return Check("review", reason, (first,))
    return PASS


def answer_words(rule: r.AnswerWordsRule, entry: EntryRevision, facts: Facts, book: RuleBook) -> Check:
    problems = []
    for name, minimum in rule.params.min_words.items():
        text = entry.answer(name)
        words = word_count(text)
        if not text:
            problems.append(rule.reasons.missing.format(answer=LABELS[name], words=0, min=minimum))
        elif words < minimum:
            problems.append(rule.reasons.too_short.format(answer=LABELS[name], words=words, min=minimum))
    return Check("fail", "; ".join(problems)) if problems else PASS


def status(rule: r.StatusRule, entry: EntryRevision, facts: Facts, book: RuleBook) -> Check:
    if entry.status in rule.params.accepted:
        return PASS
    shown = entry.status.replace("_", " ") if entry.status else "of no stated status"
    accepted = " or ".join(s.replace("_", " ") for s in rule.params.accepted)
    return Check("fail", rule.reasons.fail.format(status=shown, accepted=accepted))


def word_range(rule: r.WordRangeRule, entry: EntryRevision, facts: Facts, book: RuleBook) -> Check:
    p = rule.params
    words = word_count(entry.answer(p.answer))
    values = {"answer": LABELS[p.answer], "words": words, "min": p.min, "max": p.max}
    if words < p.min:
        return Check("fail", rule.reasons.too_few.format(**values))
    if words > p.max:
        return Check("fail", rule.reasons.too_many.format(**values))
    return PASS


def deadline(rule: r.DeadlineRule, entry: EntryRevision, facts: Facts, book: RuleBook) -> Check:
    """S9: inside the submission phase, its opening included and its close not."""
    if book.opens <= entry.received_at < book.close:
        return PASS
    shown = {name: instant.astimezone(book.zone).strftime("%Y-%m-%d %H:%M:%S %Z") for name, instant in (
        ("arrived", entry.received_at), ("close", book.close), ("opens", book.opens))}  # fmt: skip
    reason = rule.reasons.too_early if entry.received_at < book.opens else rule.reasons.fail
    return Check("fail", reason.format(**shown))


def language(rule: r.LanguageRule, entry: EntryRevision, facts: Facts, book: RuleBook) -> Check:
    """Fail when every part it is sure of is in another language; review when unsure or mixed."""
    p, reasons = rule.params, rule.reasons
    parts = facts.language.parts if facts.language else ()
    if not parts:
        return Check("review", reasons.unsure.format(language=language_name("und"), confidence=0.0))
    sure = [(name, g) for name, g in parts if g.confidence >= p.confidence]
    foreign = [(name, g) for name, g in sure if g.language != p.expected]
    expected = [name for name, g in sure if g.language == p.expected]
    if foreign and not expected:
        code = foreign[0][1].language
        confidence = min(g.confidence for _, g in foreign if g.language == code)
        return Check("fail", reasons.fail.format(language=language_name(code), confidence=confidence))
    if foreign:
        name, g = foreign[0]
        return Check("review", reasons.mixed.format(answer=LABELS[name], language=language_name(g.language), confidence=g.confidence))
    if len(expected) == len(parts):
        return PASS
    unsure = next(g for _, g in parts if g.confidence < p.confidence)
    return Check("review", reasons.unsure.format(language=language_name(unsure.language), confidence=unsure.confidence))


def previous_winner(rule: r.PreviousWinnerRule, entry: EntryRevision, facts: Facts, book: RuleBook) -> Check:
    winners = book.winners.get(rule.id, WinnerIndex({}))
    winner, same_organisation = winners.match(entry.title, entry.entity.name)
    if winner is None:
        return PASS
    values = {"year": winner.year, "category": winner.category, "title": winner.title}
    if same_organisation:
        return Check("fail", rule.reasons.fail.format(**values))
    return Check("review", rule.reasons.same_title.format(**values))


def sdg_linkage(rule: r.SdgLinkageRule, entry: EntryRevision, facts: Facts, book: RuleBook) -> Check:
    p, reasons = rule.params, rule.reasons
    if not entry.sdgs:
        return Check("fail", reasons.no_goal)
    text = entry.answer(p.answer)
    words = word_count(text)
    values = {"answer": LABELS[p.answer], "words": words, "min": p.min_words, "goals": sdgs.label(entry.sdgs)}
    if words < p.min_words:
        return Check("fail", reasons.too_short.format(**values))
    if p.must_name_a_goal and not sdgs.named_goals(text) & set(entry.sdgs):
        return Check("fail", reasons.not_named.format(**values))
    return PASS


CHECKS: dict[str, Callable[[Any, EntryRevision, Facts, RuleBook], Check]] = {
    "category": category,
    "first_entry_per_entity_category": first_entry,
    "not_a_copy": not_a_copy,
    "answer_words": answer_words,
    "status": status,
    "word_range": word_range,
    "deadline": deadline,
    "language": language,
    "previous_winner": previous_winner,
    "sdg_linkage": sdg_linkage,
}
