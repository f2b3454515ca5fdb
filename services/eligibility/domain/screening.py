"""Screening: every rule of the contest file on one entry, in order (CONTRACT 5.1).

Pure: the entry, the facts found about other entries and its language, and
the rule book in; the `screened` data out.
"""

from __future__ import annotations

from services.eligibility.domain.checks import CHECKS
from services.eligibility.domain.entry import EntryRevision
from services.eligibility.domain.facts import SWITCHED_OFF, Facts, Result, RuleBook
from shared.events import RuleResult, SubmissionScreened


def screen(entry: EntryRevision, facts: Facts, book: RuleBook) -> SubmissionScreened:
    results: list[RuleResult] = []
    related: list[str] = []
    submission: list[Result] = []
    nomination: list[Result] = []
    for rule in book.rules:
        check = CHECKS[rule.kind](rule, entry, facts, book) if rule.enabled else SWITCHED_OFF
        results.append(RuleResult(rule=rule.id, result=check.result, reason=check.reason))
        related.extend(r for r in check.related if r not in related and r != entry.submission_id)
        (nomination if rule.nomination else submission).append(check.result)
    outcome = "ineligible" if "fail" in submission else "needs_review" if "review" in submission else "eligible"
    return SubmissionScreened(
        submission_id=entry.submission_id,
        entity_id=entity_of(entry),
        category=entry.category if entry.category is not None else 0,
        outcome=outcome,
        rules=results,
        nominable=outcome == "eligible" and all(r == "pass" for r in nomination),
        related=related or None,
    )


def entity_of(entry: EntryRevision) -> str:
    return entry.entity.entity_id
