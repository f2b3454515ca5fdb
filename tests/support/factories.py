"""Realistic test data."""

from __future__ import annotations

from typing import Any

WORDS = (
    "the project connects rural schools to broadband and trains teachers in digital skills so that "
    "students can reach open learning resources and local communities can use public services online "
    "with support from partners in government academia and civil society across the region"
).split()


def words(n: int, offset: int = 0) -> str:
    return " ".join(WORDS[(i + offset) % len(WORDS)] for i in range(n))


def submission(submission_id: str = "sub-1", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "submission_id": submission_id,
        "entity": {"entity_id": "org-1", "name": "Open Schools Network", "stakeholder_type": "civil_society", "country": "KE"},
        "coordinator": {"name": "Amina Otieno", "email": "amina@example.org"},
        "category": 4,
        "title": "Digital classrooms for rural schools",
        "short_description": words(170),
        "action_lines_sdg_linkage": words(80, 3),
        "impact": words(90, 5),
        "partnerships": words(60, 7),
        "challenges_and_prospects": words(60, 11),
        "sdgs": [4, 9],
        "status": "completed",
        "website": "https://example.org/schools",
    }
    data.update(overrides)
    return data
