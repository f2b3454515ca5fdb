"""The answers of one entry: a sound one, and the ways entries go wrong."""

from __future__ import annotations

import random
from typing import Any

from demo import phrases, prose, world
from demo.organisations import Organisation

ACTION_LINES = {1: "C1", 2: "C2", 3: "C3", 4: "C4", 5: "C5", 6: "C6", 15: "C8", 16: "C9", 17: "C10", 18: "C11"}


class Facts(dict):
    """Template slots: fixed ones describe the project; numbers and partners vary by sentence."""

    def __init__(self, rng: random.Random, fixed: dict[str, Any]) -> None:
        super().__init__(fixed)
        self.rng = rng

    def __getitem__(self, key: str) -> Any:
        rng = self.rng
        if key == "n":
            return f"{rng.choice((2, 3, 5, 8, 12, 15, 20, 35, 40, 60, 75, 120)) * rng.choice((100, 1000)):,}"
        if key == "pct":
            return str(rng.randrange(12, 85))
        if key == "year":
            return str(rng.randrange(2012, 2020))
        if key == "partner":
            return rng.choice(world.PARTNERS)
        if key == "tech":
            return rng.choice(world.TECHNOLOGIES)
        return super().__getitem__(key)


def facts_for(rng: random.Random, org: Organisation, category: int, name: str, country: str) -> Facts:
    theme = world.THEMES[category]
    sdg = theme["sdgs"][0]
    return Facts(rng, {
        "name": name, "topic": rng.choice(theme["topic"]), "who": rng.choice(world.BENEFICIARIES), "city": org.city,
        "country": country, "org": org.name, "sdg": sdg, "goal": world.GOAL_NAMES[sdg],
        "line": ACTION_LINES.get(category, "C7"),
    })  # fmt: skip


def project_name(rng: random.Random, city: str) -> str:
    first, second = rng.sample(world.PROJECT_WORDS, 2)
    return rng.choice((f"{first}{second.lower()}", f"{city} {first}", f"{first} {second}"))


def sound(rng: random.Random, facts: Facts, category: int) -> dict[str, Any]:
    """Every answer within its limits, the nomination minimums too."""
    theme = world.THEMES[category]
    extra = [g for g in theme["sdgs"][1:] if rng.random() < 0.5]
    if rng.random() < 0.3:
        extra.append(rng.choice((5, 10, 17, 8, 4)))
    return {
        "title": f"{facts['name']}: {facts['topic']} for {facts['who']}",
        "short_description": prose.description(rng, facts, 152, 198),
        "action_lines_sdg_linkage": prose.compose(rng, phrases.LINKAGE, facts, 55, 110),
        "impact": prose.compose(rng, phrases.IMPACT, facts, 85, 180),
        "partnerships": prose.compose(rng, phrases.PARTNERSHIPS, facts, 42, 90),
        "challenges_and_prospects": prose.compose(rng, phrases.CHALLENGES, facts, 52, 120),
        "sdgs": sorted({theme["sdgs"][0], *extra}),
        "status": "completed" if rng.random() < 0.7 else "key_phase_completed",
    }


def foreign(rng: random.Random, facts: Facts, answers: dict[str, Any]) -> dict[str, Any]:
    """S10: written in French, Spanish or Portuguese; or one long answer in it ("mixed")."""
    language = rng.choice(sorted(phrases.FOREIGN))
    pool = phrases.FOREIGN[language]
    if rng.random() < 0.3:
        return {**answers, "impact": prose.compose(rng, pool, facts, 60, 120, fillers=())}
    return {
        **answers,
        "title": phrases.FOREIGN_TITLES[language].format_map(facts) + f" ({facts['name']})",
        "short_description": prose.compose(rng, pool, facts, 152, 198, fillers=()),
        "action_lines_sdg_linkage": prose.compose(rng, pool, facts, 55, 100, fillers=()),
        "impact": prose.compose(rng, pool, facts, 85, 140, fillers=()),
        "partnerships": prose.compose(rng, pool, facts, 42, 90, fillers=()),
        "challenges_and_prospects": prose.compose(rng, pool, facts, 52, 100, fillers=()),
    }


def wrong_length(rng: random.Random, facts: Facts) -> str:
    """S7: a short description under 150 or over 200 words."""
    target = rng.randrange(90, 146) if rng.random() < 0.55 else rng.randrange(206, 290)
    return prose.exactly(rng, prose.generated(rng, facts, 40), {}, target)


def too_short_answer(rng: random.Random, facts: Facts) -> tuple[str, str]:
    """S5: one answer under the submission minimum (the call's word counts)."""
    name, pool, words = rng.choice((("impact", phrases.IMPACT, rng.randrange(8, 28)),
                                    ("partnerships", phrases.PARTNERSHIPS, rng.randrange(4, 14)),
                                    ("challenges_and_prospects", phrases.CHALLENGES, rng.randrange(6, 19))))  # fmt: skip
    return name, prose.exactly(rng, pool, facts, words)


def thin(rng: random.Random, facts: Facts) -> dict[str, str]:
    """Within the submission minimums, under a nomination minimum (N1) or naming no goal (N3)."""
    if rng.random() < 0.7:
        return {"impact": prose.compose(rng, phrases.IMPACT, facts, 35, 72)}
    return {"action_lines_sdg_linkage": prose.compose(rng, phrases.WEAK, facts, 24, 36, fillers=())}


def near_copy(rng: random.Random, text: str, facts: Facts) -> str | None:
    """The same description with about a fifth of its sentences rewritten; None if it leaves 150..200 words."""
    sentences = [s if s.endswith(".") else s + "." for s in text.split(". ")]
    for _ in range(10):
        changed = list(sentences)
        for index in rng.sample(range(len(changed)), max(2, len(changed) // 5)):
            changed[index] = prose.generated(rng, facts, 1)[0]
        candidate = " ".join(changed)
        if 150 <= prose.words(candidate) <= 200 and candidate != text:
            return candidate
    return None
