"""What a rule sees besides the entry: facts about other entries and its language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from services.eligibility.domain.winners import WinnerIndex
from shared.contest import Contest
from shared.rules import Rule

Result = Literal["pass", "fail", "review"]

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Check:
    result: Result
    reason: str = ""
    related: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Guess:
    """A language (ISO 639 code) and the detector's probability for it."""

    language: str
    confidence: float


@dataclass(frozen=True, slots=True)
class LanguageFacts:
    """Guesses by part: answers long enough to tell, or the whole `entry` when none is."""

    parts: tuple[tuple[str, Guess], ...]


@dataclass(frozen=True, slots=True)
class Facts:
    """What screening needs beyond the entry: other entries (S3, S4), its language (S10)."""

    first_in_category: str | None = None
    exact_copy_of: str | None = None
    near_copy_of: tuple[str, float] | None = None
    language: LanguageFacts | None = None


@dataclass(frozen=True)
class RuleBook:
    rules: tuple[Rule, ...]
    close: datetime
    opens: datetime
    zone: ZoneInfo
    categories: frozenset[int]
    winners: dict[str, WinnerIndex] = field(default_factory=dict)  # by rule id

    @classmethod
    def of(cls, contest: Contest, winners: dict[str, WinnerIndex]) -> RuleBook:
        return cls(tuple(contest.rules), contest.submission.end, contest.submission.start, contest.zone, frozenset(contest.categories), winners)

    def rule(self, kind: type[R]) -> R | None:
        """The first enabled rule of a kind, by its class (what facts to gather depends on it).

        Each class of `shared.rules` stands for one `kind`, so the class picks the same rule
        the kind's name would, typed as that class.
        """
        return next((r for r in self.rules if isinstance(r, kind) and r.enabled), None)


SWITCHED_OFF = Check("pass", "not applied: switched off in the contest file")
