"""The 17 Sustainable Development Goals, and finding them named in a text (N3)."""

from __future__ import annotations

import re

from services.eligibility.domain.entry import words_of

GOALS = {
    1: "No Poverty",
    2: "Zero Hunger",
    3: "Good Health and Well-being",
    4: "Quality Education",
    5: "Gender Equality",
    6: "Clean Water and Sanitation",
    7: "Affordable and Clean Energy",
    8: "Decent Work and Economic Growth",
    9: "Industry, Innovation and Infrastructure",
    10: "Reduced Inequalities",
    11: "Sustainable Cities and Communities",
    12: "Responsible Consumption and Production",
    13: "Climate Action",
    14: "Life Below Water",
    15: "Life on Land",
    16: "Peace, Justice and Strong Institutions",
    17: "Partnerships for the Goals",
}
_NAMES = {number: " " + " ".join(words_of(name)) + " " for number, name in GOALS.items()}
# "SDG 4", "SDG4", "SDGs 4, 8 and 9", "Goal 4", "goals 3 & 5", "SDG #4", "SDG-4"
_BY_NUMBER = re.compile(r"\b(?:sdgs?|goals?)\s*[-#]?\s*((?:\d{1,2}\b(?:\s*(?:,|&|/|and|or)\s*)?)+)", re.IGNORECASE)


def named_goals(text: str | None) -> set[int]:
    """Goals a text names, by number or by name."""
    if not text:
        return set()
    found = {int(n) for match in _BY_NUMBER.finditer(text) for n in re.findall(r"\d{1,2}", match.group(1))}
    padded = " " + " ".join(words_of(text)) + " "
    found.update(number for number, name in _NAMES.items() if name in padded)
    return {n for n in found if n in GOALS}


def label(goals: tuple[int, ...] | list[int]) -> str:
    return ", ".join(f"SDG {n}" for n in goals)
