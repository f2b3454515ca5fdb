"""What the integrity signals read and say: members, accepted votes, findings (ids, counts, groups; never an address)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Member:
    """What the signals know of a member: registration time and groups, never the address."""

    user_id: str
    registered_at: datetime
    organisation: str = ""
    country: str = ""
    email_domain: str = ""

    def group(self, by: str) -> str:
        return getattr(self, by)


class Vote(NamedTuple):
    """An accepted vote, at its ballot's time (a tuple: a million are made, and sorted, at C speed)."""

    voter_id: str
    category: int
    project_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Finding:
    signal: str
    week: int
    category: int
    project_id: str
    votes: int
    window: tuple[datetime, datetime]
    threshold: str  # the rule crossed, with its numbers
    why: str
    voter_ids: tuple[str, ...]
    evidence: dict[str, object] = field(default_factory=dict)
