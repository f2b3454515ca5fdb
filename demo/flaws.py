"""How a planned entry breaks its rule. Each returns False when it cannot (nothing earlier to copy)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from demo import writing
from demo.organisations import KIND, Organisation

if TYPE_CHECKING:
    from demo.entries import EntryPlanner, PlannedEntry


def late(p: EntryPlanner, e: PlannedEntry) -> bool:
    e.at = p.closes + timedelta(seconds=p.rng.randrange(600, 9 * 86_400))
    return True


def wrong_length(p: EntryPlanner, e: PlannedEntry) -> bool:
    e.data["short_description"] = writing.wrong_length(p.rng, e.facts)
    return True


def ongoing(p: EntryPlanner, e: PlannedEntry) -> bool:
    e.data["status"] = "ongoing"
    return True


def not_english(p: EntryPlanner, e: PlannedEntry) -> bool:
    e.data.update(writing.foreign(p.rng, e.facts, e.data))
    return True


def second_in_category(p: EntryPlanner, e: PlannedEntry) -> bool:
    """The same organisation enters another project in a category it already entered."""
    first = p._earlier(e)
    if first is None:
        return False
    p.used[e.org.entity_id].discard(e.category)
    e.org, e.category, e.at = first.org, first.category, p._after(first)
    e.facts = writing.facts_for(p.rng, e.org, e.category, e.facts["name"], e.org.country)
    e.data.update(entity=e.org.entity(), category=e.category, **writing.sound(p.rng, e.facts, e.category))
    return True


def exact_copy(p: EntryPlanner, e: PlannedEntry) -> bool:
    """The same title and short description again: by its own organisation in another category, or by a partner."""
    first = p._earlier(e)
    if first is None or first.category == e.category:
        return False
    first.copied = True
    if p.rng.random() < 0.5 and e.category not in p.used.setdefault(first.org.entity_id, set()):
        p.used[e.org.entity_id].discard(e.category)
        p.used[first.org.entity_id].add(e.category)
        e.org = first.org
        e.data["entity"] = e.org.entity()
    e.at = p._after(first)
    e.data.update(title=first.data["title"], short_description=first.data["short_description"])
    return True


def near_copy(p: EntryPlanner, e: PlannedEntry) -> bool:
    """Another organisation's entry with a fifth of an earlier description rewritten (review, not fail)."""
    first = p._earlier(e)
    if first is None or first.org.entity_id == e.org.entity_id:
        return False
    text = writing.near_copy(p.rng, first.data["short_description"], first.facts)
    if text is None:
        return False
    first.copied = True
    e.at = p._after(first)
    e.data.update(title=first.data["title"], short_description=text)
    return True


def too_short(p: EntryPlanner, e: PlannedEntry) -> bool:
    name, text = writing.too_short_answer(p.rng, e.facts)
    e.data[name] = text
    return True


def previous_winner(p: EntryPlanner, e: PlannedEntry) -> bool:
    """A winner of an earlier contest enters its project again."""
    if not p.winners:
        return False
    winner = p.winners.pop(0)
    p.used[e.org.entity_id].discard(e.category)
    e.org = Organisation(f"s{p.seed}-org-w{e.number:05d}", winner.organisation, KIND.draw(p.rng), e.org.country, e.org.city)
    e.category = winner.category
    e.facts = writing.facts_for(p.rng, e.org, e.category, e.facts["name"], e.org.country)
    e.data.update(entity=e.org.entity(), category=e.category, title=winner.title)
    return True


def schema(p: EntryPlanner, e: PlannedEntry) -> bool:
    """Data the submission platform should never have let through."""
    kind = p.rng.randrange(4)
    if kind == 0:
        e.data["entity"] = {**e.data["entity"], "country": "XX"}
    elif kind == 1:
        e.data["coordinator"] = {**e.data["coordinator"], "email": "coordinator at example.org"}
    elif kind == 2:
        e.data["sdgs"] = []
    else:
        e.data["short_description"] = ""
    return True


BREAKERS: dict[str, Callable[[EntryPlanner, PlannedEntry], bool]] = {
    "S9.deadline": late, "S7.short_description_words": wrong_length, "S6.completed_work": ongoing,
    "S10.english": not_english, "S3.one_per_entity_category": second_in_category, "S4.not_submitted_twice": exact_copy,
    "S4.near_copy": near_copy, "S5.complete": too_short, "S11.not_previous_winner": previous_winner, "schema": schema,
}  # fmt: skip
