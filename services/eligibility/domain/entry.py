"""An entry as the rules see it, read leniently from `wsis.submission.received`.

The submission service validates entries, but this service keeps its own
copy and judges what it gets: a missing answer is an S5 failure, a missing
category an S2 failure, not a crash. Only what a verdict cannot do without
(the submission id, its revision and time, the entity) is required.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)

ANSWERS = ("title", "short_description", "action_lines_sdg_linkage", "impact", "partnerships", "challenges_and_prospects")
# How a reason names an answer: "the answer on impact has 12 words".
LABELS = {
    "title": "title",
    "short_description": "short description",
    "action_lines_sdg_linkage": "answer on action lines and SDG linkage",
    "impact": "answer on impact",
    "partnerships": "answer on partnerships",
    "challenges_and_prospects": "answer on challenges and prospects",
    "entry": "entry",
}
Text = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1)]
_WORD = re.compile(r"\w+")
_COUNTED = re.compile(r"\S*[^\W_]\S*")  # a whitespace-delimited token with a letter or digit


class EntityRef(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    entity_id: Text
    name: str | None = None


class EntryRevision(BaseModel):
    """One revision of an entry. Personal data (the coordinator) is not kept."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    submission_id: Text
    revision: Annotated[int, Strict(), Field(ge=1)]
    received_at: AwareDatetime
    entity: EntityRef
    category: int | None = None
    title: str | None = None
    short_description: str | None = None
    action_lines_sdg_linkage: str | None = None
    impact: str | None = None
    partnerships: str | None = None
    challenges_and_prospects: str | None = None
    sdgs: tuple[int, ...] = ()
    status: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _lenient(cls, value: Any) -> Any:
        """Wrong types in judged fields count as missing; the rules say so."""
        if not isinstance(value, dict):
            return value
        value = dict(value)
        for name in (*ANSWERS, "status"):
            text = value.get(name)
            value[name] = text.strip() or None if isinstance(text, str) else None
        category = value.get("category")
        value["category"] = category if type(category) is int else None
        sdgs = value.get("sdgs")
        value["sdgs"] = sorted({s for s in sdgs if type(s) is int}) if isinstance(sdgs, list) else []
        return value

    def answer(self, name: str) -> str | None:
        text = getattr(self, name)
        return text if isinstance(text, str) else None

    @property
    def texts(self) -> dict[str, str]:
        """The answers given, by name."""
        return {name: text for name in ANSWERS if (text := self.answer(name))}


def word_count(text: str | None) -> int:
    """Runs of non-space characters holding a letter or digit ("e-health" is one, "-" none)."""
    return len(_COUNTED.findall(text)) if text else 0


def words_of(text: str | None) -> list[str]:
    """Case, spacing and punctuation removed: what copies are compared on."""
    if not text:
        return []
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def content_of(entry: EntryRevision) -> str:
    """Title and short description, normalised, one line each."""
    return " ".join(words_of(entry.title)) + "\n" + " ".join(words_of(entry.short_description))


def fingerprint(content: str) -> str:
    """Equal for exact copies (after normalising)."""
    return hashlib.sha256(content.encode()).hexdigest()
