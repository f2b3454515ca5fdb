"""Generated entries of realistic length: `wsis.submission.received` events as the submission service publishes them.

Of every hundred entries about two are exact copies of an earlier one (case,
spacing and punctuation changed), two are near copies (words reworded and a
sentence added), one is written in French or Spanish. Entered by about
0.8 entities per entry, in random categories, in business-time order over
the submission phase.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.eligibility import corpus as c
from tests.support.events import cloudevent

OPENS = datetime(2020, 11, 4, 23, 0, tzinfo=UTC)
CLOSES = datetime(2021, 1, 25, 22, 0, tzinfo=UTC)


@dataclass
class Mix:
    """What was generated, by submission id."""

    kinds: dict[str, str] = field(default_factory=dict)  # original, exact_copy, near_copy, foreign

    def count(self, kind: str) -> int:
        return sum(1 for k in self.kinds.values() if k == kind)


def sentence(rng: random.Random) -> str:
    """An English sentence from a shape and the open word lists."""
    shape = rng.choice(c.SHAPES)
    pick = {"noun": c.NOUN, "adj": c.ADJ, "verb": c.VERB, "prep": c.PREP, "det": c.DET}
    out = []
    for token in shape.split():
        head, brace, tail = token.partition("{")
        if not brace:
            out.append(token)
            continue
        slot, _, rest = tail.partition("}")
        if slot in ("num", "year", "pct"):
            value = str({"num": rng.randint(3, 9000), "year": rng.randint(2012, 2020), "pct": rng.randint(5, 95)}[slot])
        else:
            value = rng.choice(pick[slot.lower()])
            value = value.capitalize() if slot[0].isupper() else value
        out.append(head + value + rest)
    return " ".join(out)


def fill(template: str, rng: random.Random, name: str) -> str:
    return template.format(
        name=name, people=rng.choice(c.PEOPLE), place=rng.choice(c.PLACES), tech=rng.choice(c.TECH), goal=rng.choice(c.GOALS),
        partner=rng.choice(c.PARTNERS), year=rng.randint(2012, 2020), n=rng.randint(40, 90000), m=rng.randint(2, 60),
        pct=rng.randint(5, 95),
    )  # fmt: skip


def paragraph(rng: random.Random, templates: list[str], name: str, low: int, high: int) -> str:
    """Sentences until the word count is within [low, high]."""
    target = rng.randint(low, high)
    sentences: list[str] = []
    count = 0
    while True:
        text = sentence(rng) if templates is c.ENGLISH else fill(rng.choice(templates), rng, name)
        size = len(text.split())
        if count + size > high:
            if count >= low:
                break
            continue
        sentences.append(text)
        count += size
        if count >= target:
            break
    return " ".join(sentences)


def original(rng: random.Random, templates: list[str]) -> dict:
    name = f"{rng.choice(c.ADJECTIVES)} {rng.choice(c.NOUNS)}"
    title = f"{name} for {rng.choice(c.PEOPLE).title()} in the {rng.choice(c.PLACES).title()}"
    return {
        "title": title,
        "short_description": paragraph(rng, templates, name, 152, 198),
        "action_lines_sdg_linkage": f"The project advances SDG {rng.randint(1, 17)} and SDG 9. " + paragraph(rng, templates, name, 55, 110),
        "impact": paragraph(rng, templates, name, 85, 150),
        "partnerships": paragraph(rng, templates, name, 42, 90),
        "challenges_and_prospects": paragraph(rng, templates, name, 52, 100),
    }


def exact_copy(source: dict, rng: random.Random) -> dict:
    text = source["short_description"].upper().replace(", ", " ,  ").replace(". ", ".\n")
    return source | {"title": "  " + source["title"].lower() + ".", "short_description": text}


def near_copy(source: dict, rng: random.Random) -> dict:
    words = source["short_description"].split()
    for i, word in enumerate(words):
        if word.lower() in c.SYNONYMS and rng.random() < 0.5:
            words[i] = c.SYNONYMS[word.lower()]
    added = fill(rng.choice(c.ADDED_SENTENCES), rng, "")
    return source | {"short_description": " ".join(words[:-len(added.split())]) + " " + added}


def entries(count: int, seed: int = 2021, mix: Mix | None = None) -> list[bytes]:
    """`count` received events, in business-time order."""
    rng = random.Random(seed)
    mix = mix if mix is not None else Mix()
    made: list[dict] = []
    out: list[bytes] = []
    step = (CLOSES - OPENS) / (count + 1)
    for i in range(count):
        roll = rng.random()
        sid = f"bench-{i:06d}"
        if made and roll < 0.02:
            answers, mix.kinds[sid] = exact_copy(rng.choice(made), rng), "exact_copy"
        elif made and roll < 0.04:
            answers, mix.kinds[sid] = near_copy(rng.choice(made), rng), "near_copy"
        elif roll < 0.05:
            answers, mix.kinds[sid] = original(rng, rng.choice([c.FRENCH, c.SPANISH])), "foreign"
        else:
            answers, mix.kinds[sid] = original(rng, c.ENGLISH), "original"
            made.append(answers)
        at = OPENS + step * (i + 1)
        entity = f"entity-{rng.randint(0, int(count * 0.8)):06d}"
        out.append(json.dumps(received(sid, entity, rng.randint(1, 18), answers, at, rng)).encode())
    return out


def received(sid: str, entity: str, category: int, answers: dict, at: datetime, rng: random.Random) -> dict:
    stamp = at.isoformat().replace("+00:00", "Z")
    data = {
        "submission_id": sid,
        "entity": {"entity_id": entity, "name": f"Organisation {entity}", "stakeholder_type": "civil_society", "country": "KE"},
        "coordinator": {"name": "Coordinator", "email": f"{sid}@example.org"},
        "category": category,
        **answers,
        "sdgs": sorted({rng.randint(1, 17), 9}),
        "status": rng.choice(["completed", "completed", "key_phase_completed", "ongoing"]),
        "received_at": stamp,
        "revision": 1,
    }
    return cloudevent("wsis.submission.received", data, time_=stamp, id_=f"received-{sid}", source="wsis-prizes/submission")
