"""The contest as data: calendar, categories, quotas, word limits and rules.

`contest/wsis-2021.yaml` is loaded and validated once at start; a typo or a
missing field is a start-up error, never a silent default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from shared.rules import Rule, unique_ids

SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when installed: the same documents, faster

DEFAULT_CONTEST_FILE = Path(__file__).resolve().parent.parent / "contest" / "wsis-2021.yaml"


class ContestError(ValueError):
    """The contest file cannot be used; the message says why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Strict):
    """A local-time window: includes `opens`, excludes `closes`."""

    opens: datetime
    closes: datetime

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.closes <= self.opens:
            raise ValueError(f"closes ({self.closes}) must be after opens ({self.opens})")
        return self


class Calendar(_Strict):
    submission: Window
    nomination: Window
    nominees_published: datetime
    voting: Window
    winner_selection: Window
    voting_week_days: int = Field(gt=0)


class Quotas(_Strict):
    nominees_per_category: int = Field(gt=0)
    finalists_per_category: int = Field(gt=0)
    winners_per_category: int = Field(gt=0)


class WordRange(_Strict):
    min: int = Field(ge=0)
    max: int | None = Field(default=None, ge=1)


class Category(_Strict):
    action_line: str
    title: str


class NewAccountCluster(_Strict):
    """Members registered after voting opened who vote for one project within minutes."""

    window_minutes: int = Field(default=30, gt=0)
    min_voters: int = Field(default=20, ge=2)


class GroupMix(_Strict):
    """One organisation, email domain or country far above its usual share of a category's voters."""

    by: tuple[Literal["organisation", "email_domain", "country"], ...] = ("organisation", "email_domain", "country")
    min_voters: int = Field(default=20, ge=2)
    min_share: float = Field(default=0.5, gt=0, le=1)
    min_ratio: float = Field(default=5.0, gt=1)


class VoteBurst(_Strict):
    """An hour with far more votes than the project's median hour (of the hours it got votes)."""

    min_votes: int = Field(default=20, ge=2)
    min_ratio: float = Field(default=8.0, gt=1)


class Integrity(_Strict):
    """Signals for staff to look at (docs/integrity.md); they never change a tally."""

    new_account_cluster: NewAccountCluster = NewAccountCluster()
    group_mix: GroupMix = GroupMix()
    vote_burst: VoteBurst = VoteBurst()


class ContestFile(_Strict):
    name: str
    timezone: str
    calendar: Calendar
    quotas: Quotas
    # Word ranges now live in the rules' parameters (S5, S7, N1); kept for
    # files that still give them here.
    word_limits: dict[str, WordRange] = Field(default_factory=dict)
    categories: dict[int, Category]
    rules: list[Rule] = Field(default_factory=list)
    integrity: Integrity = Integrity()

    _unique_rules = field_validator("rules")(unique_ids)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


@dataclass(frozen=True, slots=True)
class Span:
    """A UTC window: includes `start`, excludes `end`."""

    start: datetime
    end: datetime

    def __contains__(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


@dataclass(frozen=True, slots=True)
class VotingWeek:
    number: int
    start: datetime
    end: datetime


class Contest:
    """The loaded contest, with every date as an aware UTC datetime."""

    def __init__(self, spec: ContestFile, source: Path | None = None) -> None:
        self.spec = spec
        self.source = source
        self.zone = ZoneInfo(spec.timezone)
        cal = spec.calendar
        self.submission = self._span(cal.submission)
        self.nomination = self._span(cal.nomination)
        self.nominees_published = self.utc(cal.nominees_published)
        self.voting = self._span(cal.voting)
        self.winner_selection = self._span(cal.winner_selection)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def quotas(self) -> Quotas:
        return self.spec.quotas

    @property
    def categories(self) -> dict[int, Category]:
        return self.spec.categories

    @property
    def rules(self) -> list[Rule]:
        return self.spec.rules

    def word_range(self, field: str) -> WordRange:
        """An answer's word range: `word_limits`, else the `word_range` rule on it."""
        if field in self.spec.word_limits:
            return self.spec.word_limits[field]
        for rule in self.spec.rules:
            if rule.kind == "word_range" and rule.params.answer == field:
                return WordRange(min=rule.params.min, max=rule.params.max)
        raise KeyError(field)

    def utc(self, local: datetime) -> datetime:
        """A wall-clock time of the contest's zone, as UTC."""
        if local.tzinfo is not None:
            return local.astimezone(UTC)
        return local.replace(tzinfo=self.zone).astimezone(UTC)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def _span(self, window: Window) -> Span:
        return Span(self.utc(window.opens), self.utc(window.closes))

    @cached_property
    def voting_weeks(self) -> tuple[VotingWeek, ...]:
        """Week periods in local wall-clock days (a DST week is 167 hours)."""
        weeks: list[VotingWeek] = []
        days = self.spec.calendar.voting_week_days
        local_start = self.spec.calendar.voting.opens
        number = 1
        while True:
            start = self.utc(local_start + timedelta(days=days * (number - 1)))
            if start >= self.voting.end:
                return tuple(weeks)
            end = min(self.utc(local_start + timedelta(days=days * number)), self.voting.end)
            weeks.append(VotingWeek(number, start, end))
            number += 1

    def voting_week_of(self, instant: datetime) -> VotingWeek | None:
        for week in self.voting_weeks:
            if instant >= week.start and instant < week.end:
                return week
        return None


def load_contest(path: Path | str | None = None) -> Contest:
    source = Path(path) if path else DEFAULT_CONTEST_FILE
    try:
        raw: Any = yaml.load(source.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except OSError as exc:
        raise ContestError(f"cannot read contest file {source}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ContestError(f"contest file {source} is not valid YAML: {exc}") from exc
    try:
        spec = ContestFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(file)'}: {err['msg']}" for err in exc.errors()
        )
        raise ContestError(f"contest file {source} is invalid: {problems}") from exc
    return Contest(spec, source)
