"""Writing an answer of a chosen length from sentence templates.

Words are counted the way the screening rules count them: runs of
non-space characters holding a letter or a digit.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from demo import phrases


def words(text: str) -> int:
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


def compose(rng: random.Random, templates: Sequence[str], facts: Mapping[str, object], low: int, high: int,
            fillers: Sequence[str] = phrases.FILLERS) -> str:
    """Sentences in a random order until the text has `low` to `high` words.

    Each template is used at most once; short fillers close the gap when no
    template fits any more.
    """
    order = list(range(len(templates)))
    rng.shuffle(order)
    chosen: list[str] = []
    count = 0
    for index in order:
        sentence = templates[index].format_map(facts)
        size = words(sentence)
        if count + size <= high:
            chosen.append(sentence)
            count += size
        if count >= low and rng.random() < 0.35:
            break
    spare = list(fillers)
    rng.shuffle(spare)
    while count < low and spare:
        sentence = spare.pop()
        if count + words(sentence) <= high:
            chosen.append(sentence)
            count += words(sentence)
    if count < low:  # the templates cannot reach it: repeat (a padded, clumsy answer, as some are)
        return compose(rng, [*templates, *templates], facts, low, high, fillers)
    return " ".join(chosen)


def generated(rng: random.Random, facts: Mapping[str, object], count: int) -> list[str]:
    """`count` sentences of the description grammar, none twice."""
    made: set[str] = set()
    while len(made) < count:
        parts = [rng.choice(pool) for pool in (phrases.OPENERS, phrases.SUBJECTS, phrases.VERBS, phrases.OBJECTS, phrases.MANNERS)]
        sentence = " ".join(parts).format_map(facts) + "."
        made.add(sentence[0].upper() + sentence[1:])
    return sorted(made)


def description(rng: random.Random, facts: Mapping[str, object], low: int, high: int) -> str:
    """A short description: a few set sentences among many generated ones."""
    pool = [template.format_map(facts) for template in rng.sample(phrases.DESCRIPTION, 3)]
    pool += generated(rng, facts, 30)
    return compose(rng, pool, {}, low, high)


def exactly(rng: random.Random, templates: Sequence[str], facts: Mapping[str, object], target: int) -> str:
    """About `target` words, for answers meant to miss a limit (too short, too long)."""
    text = compose(rng, templates, facts, max(1, target - 6), target + 6) if target > 12 else ""
    tokens = text.split() if text else []
    while len(tokens) < target:
        tokens.extend(rng.choice(templates).format_map(facts).split())
    return " ".join(tokens[:target]).rstrip(",;") + "."
