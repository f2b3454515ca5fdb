"""The screening rules of the contest file (`rules:`), validated at start.

A rule is an id (`S7.short_description_words`), a kind (what it checks), the
kind's parameters and the reasons a coordinator reads. Ids starting with `S`
are submission rules (they decide the outcome); ids starting with `N` are
nomination pre-checks (they decide `nominable`). An unknown kind, a missing
parameter, a misspelt field or an unknown `{placeholder}` in a reason is a
start-up error.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Answer = Literal["title", "short_description", "action_lines_sdg_linkage", "impact", "partnerships", "challenges_and_prospects"]
Status = Literal["completed", "key_phase_completed", "ongoing"]
RuleId = Annotated[str, StringConstraints(pattern=r"^[SN][0-9]+\.[a-z0-9_]+$")]
Share = Annotated[float, Field(gt=0, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Reasons(_Strict):
    """Reason texts; `sample` holds a value of every placeholder they may use."""

    sample: ClassVar[dict[str, Any]] = {}

    @model_validator(mode="after")
    def _placeholders_known(self) -> _Reasons:
        for key, text in self:
            try:
                text.format(**self.sample)
            except KeyError as exc:
                known = ", ".join("{%s}" % name for name in self.sample) or "none"
                raise ValueError(f"{key}: unknown placeholder {{{exc.args[0]}}}; this rule knows {known}") from None
            except (ValueError, IndexError) as exc:
                raise ValueError(f"{key}: {exc}") from None
        return self


class _Rule(_Strict):
    id: RuleId
    enabled: bool = True

    @property
    def nomination(self) -> bool:
        return self.id.startswith("N")


class CategoryReasons(_Reasons):
    sample = {"category": 19, "first": 1, "last": 18}
    fail: str


class CategoryRule(_Rule):
    """S2: one category, one of the contest's."""

    kind: Literal["category"]
    reasons: CategoryReasons


class FirstEntryReasons(_Reasons):
    sample = {"first": "sub-1", "category": 4}
    fail: str


class FirstEntryRule(_Rule):
    """S3: an entity's first entry in a category wins (business time, then arrival)."""

    kind: Literal["first_entry_per_entity_category"]
    reasons: FirstEntryReasons


class CopyParams(_Strict):
    similarity: Share
    shingle_words: int = Field(ge=1, le=5)
    num_perm: int = Field(ge=16, le=512)


class CopyReasons(_Reasons):
    sample = {"first": "sub-1", "similarity": 0.8, "threshold": 0.4}
    exact_copy: str
    near_copy: str


class NotACopyRule(_Rule):
    """S4: not an exact copy (fail) or near copy (review) of an earlier entry."""

    kind: Literal["not_a_copy"]
    params: CopyParams
    reasons: CopyReasons


class AnswerWordsParams(_Strict):
    min_words: dict[Answer, Annotated[int, Field(ge=1)]] = Field(min_length=1)


class AnswerWordsReasons(_Reasons):
    sample = {"answer": "impact", "words": 12, "min": 30}
    missing: str
    too_short: str


class AnswerWordsRule(_Rule):
    """S5, N1: each listed answer present and at its minimum word count."""

    kind: Literal["answer_words"]
    params: AnswerWordsParams
    reasons: AnswerWordsReasons


class StatusParams(_Strict):
    accepted: list[Status] = Field(min_length=1)


class StatusReasons(_Reasons):
    sample = {"status": "ongoing", "accepted": "completed or key phase completed"}
    fail: str


class StatusRule(_Rule):
    """S6: the project's status is one of `accepted`."""

    kind: Literal["status"]
    params: StatusParams
    reasons: StatusReasons


class WordRangeParams(_Strict):
    answer: Answer
    min: int = Field(ge=0)
    max: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> WordRangeParams:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


class WordRangeReasons(_Reasons):
    sample = {"answer": "short description", "words": 212, "min": 150, "max": 200}
    too_few: str
    too_many: str


class WordRangeRule(_Rule):
    """S7: an answer's word count within [min, max]."""

    kind: Literal["word_range"]
    params: WordRangeParams
    reasons: WordRangeReasons


class DeadlineReasons(_Reasons):
    sample = {"arrived": "2021-01-25 23:00:00 CET", "close": "2021-01-25 23:00:00 CET", "opens": "2020-11-05 00:00:00 CET"}
    fail: str
    too_early: str


class DeadlineRule(_Rule):
    """S9: the entry's business time inside `calendar.submission`: at or after its opening, before its close."""

    kind: Literal["deadline"]
    reasons: DeadlineReasons


class LanguageParams(_Strict):
    expected: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
    confidence: Annotated[float, Field(ge=0.5, le=1)]
    min_answer_words: int = Field(ge=1)


class LanguageReasons(_Reasons):
    sample = {"language": "French", "confidence": 0.99, "answer": "impact"}
    fail: str
    unsure: str
    mixed: str


class LanguageRule(_Rule):
    """S10: written in the expected language; confident otherwise fails, unsure is review."""

    kind: Literal["language"]
    params: LanguageParams
    reasons: LanguageReasons


class WinnerParams(_Strict):
    winners_file: Annotated[str, StringConstraints(min_length=1)]


class WinnerReasons(_Reasons):
    sample = {"year": 2019, "category": 7, "title": "Digital villages"}
    fail: str
    same_title: str


class PreviousWinnerRule(_Rule):
    """S11: not a winner of an earlier contest (title and organisation)."""

    kind: Literal["previous_winner"]
    params: WinnerParams
    reasons: WinnerReasons


class SdgParams(_Strict):
    answer: Answer
    min_words: int = Field(ge=1)
    must_name_a_goal: bool


class SdgReasons(_Reasons):
    sample = {"answer": "linkage", "words": 12, "min": 40, "goals": "SDG 4, SDG 9"}
    no_goal: str
    too_short: str
    not_named: str


class SdgLinkageRule(_Rule):
    """N3: names at least one SDG and explains the link."""

    kind: Literal["sdg_linkage"]
    params: SdgParams
    reasons: SdgReasons


Rule = Annotated[
    CategoryRule
    | FirstEntryRule
    | NotACopyRule
    | AnswerWordsRule
    | StatusRule
    | WordRangeRule
    | DeadlineRule
    | LanguageRule
    | PreviousWinnerRule
    | SdgLinkageRule,
    Field(discriminator="kind"),
]

# CONTRACT 5.1: these ids must exist, with these meanings (the set may grow).
CONTRACT_RULES: dict[str, str] = {
    "S2.category": "category",
    "S3.one_per_entity_category": "first_entry_per_entity_category",
    "S4.not_submitted_twice": "not_a_copy",
    "S5.complete": "answer_words",
    "S6.completed_work": "status",
    "S7.short_description_words": "word_range",
    "S9.deadline": "deadline",
    "S10.english": "language",
    "S11.not_previous_winner": "previous_winner",
    "N1.answers_detailed": "answer_words",
    "N3.sdg_relevance": "sdg_linkage",
}


def unique_ids(rules: list[Any]) -> list[Any]:
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise ValueError(f"rule {rule.id} appears twice")
        seen.add(rule.id)
    return rules


def missing_contract_rules(rules: list[Any]) -> list[str]:
    """What the contract needs and the file lacks (or gives another kind)."""
    kinds = {rule.id: rule.kind for rule in rules}
    return [f"{rid} (kind {kind})" for rid, kind in CONTRACT_RULES.items() if kinds.get(rid) != kind]
