"""The `data` of every event type of the contract (CONTRACT.md section 5).

Strings are trimmed and an empty string counts as missing. Inbound models
ignore fields they do not know; numbers are strict (no "3" for 3).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    field_validator,
    model_validator,
)

from shared.countries import assigned_code

Text = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1)]


# Upper bounds on what an outside publisher may send: a too-long value is
# refused naming its field, rather than stored, mailed and published.
MAX_ID = 200
MAX_TITLE = 300
MAX_NAME = 200
MAX_EMAIL = 320  # RFC 3696: 64 + @ + 255
MAX_ANSWER = 20_000
MAX_URL = 2_000
MAX_REASON = 2_000
MAX_SDGS = 17
MAX_VOTER_IDS = 1_000
# Each a contract string of at most so many characters, after trimming.
Id = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ID)]
Title = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)]
Name = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]
EmailText = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_EMAIL)]
Answer = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ANSWER)]
Url = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL)]
Reason = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REASON)]
CategoryNo = Annotated[int, Strict(), Field(ge=1, le=18)]
SdgNo = Annotated[int, Strict(), Field(ge=1, le=17)]
Count = Annotated[int, Field(ge=0)]
# A well-formed email address: the one definition, for a coordinator's address
# (5.1, checked by pydantic with Python's own `re`) and a member's (V2, 5.2).
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_EMAIL = re.compile(EMAIL)


def well_formed_email(text: str) -> bool:
    return _EMAIL.match(text) is not None


def _drop_blank(value: Any) -> Any:
    """Trim semantics of the contract: an empty string is a missing field."""
    if isinstance(value, dict):
        return {k: _drop_blank(v) for k, v in value.items() if not (isinstance(v, str) and not v.strip())}
    if isinstance(value, list):
        return [_drop_blank(v) for v in value]
    return value


class Data(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_missing(cls, value: Any) -> Any:
        return _drop_blank(value)


class StakeholderType(StrEnum):
    government = "government"
    private_sector = "private_sector"
    civil_society = "civil_society"
    academia = "academia"
    international_organization = "international_organization"


class ProjectStatus(StrEnum):
    completed = "completed"
    key_phase_completed = "key_phase_completed"
    ongoing = "ongoing"


STAKEHOLDER_TYPES = frozenset(kind.value for kind in StakeholderType)


def _country(value: str) -> str:
    code = assigned_code(value)
    if code is None:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code")
    return code


def profile_complete(username: str | None, email: str | None, name: str | None, kind: str | None, country: str | None) -> bool:
    """V2 (CONTRACT 5.2), on trimmed values (None: missing): username, a well-formed
    email, and the organization's name, type (a `stakeholder_type` of 5.1) and
    country (an assigned ISO 3166-1 alpha-2 code). The voting service's hot-path
    reader asks this same function."""
    return bool(
        username and name and email and country and kind in STAKEHOLDER_TYPES
        and well_formed_email(email) and assigned_code(country) is not None
    )


# --- 5.1 submissions -------------------------------------------------------


class Entity(Data):
    entity_id: Id
    name: Name
    stakeholder_type: StakeholderType
    country: Text

    _check_country = field_validator("country")(_country)


Language = Literal["ar", "en", "es", "fr", "ru", "zh"]


class Coordinator(Data):
    model_config = ConfigDict(regex_engine="python-re")  # EMAIL means what `well_formed_email` says

    name: Name
    email: Annotated[str, Strict(), StringConstraints(strip_whitespace=True, max_length=MAX_EMAIL, pattern=EMAIL)]
    language: Language = "en"  # the emails' language (CONTRACT 5.5)


class Owner(Data):
    """The project's owner where the submitting entity is not (CONTRACT 5.1)."""

    entity_id: Id | None = None
    name: Name
    country: Text

    _check_country = field_validator("country")(_country)


class SubmissionSubmitted(Data):
    submission_id: Id
    entity: Entity
    coordinator: Coordinator
    category: CategoryNo
    title: Title
    short_description: Answer
    action_lines_sdg_linkage: Answer
    impact: Answer
    partnerships: Answer
    challenges_and_prospects: Answer
    sdgs: Annotated[list[SdgNo], Field(min_length=1, max_length=MAX_SDGS)]
    status: ProjectStatus
    website: Url | None = None
    owner: Owner | None = None

    @field_validator("sdgs")
    @classmethod
    def _unique_sorted(cls, value: list[int]) -> list[int]:
        return sorted(set(value))


class SubmissionReceived(SubmissionSubmitted):
    received_at: AwareDatetime
    revision: Annotated[int, Field(ge=1)]


class FieldError(Data):
    field: str
    message: str


class SubmissionRejected(Data):
    submission_id: str | None = None
    errors: list[FieldError]


class RuleResult(Data):
    rule: Text
    result: Literal["pass", "fail", "review"]
    reason: str = ""


class DecidedBy(Data):
    """A staff decision behind a verdict (CONTRACT 5.1, staff decisions on screening)."""

    staff_member_id: Text
    reason: Text
    machine_outcome: Literal["eligible", "ineligible", "needs_review"]


class SubmissionScreened(Data):
    submission_id: Text
    entity_id: Text
    category: int
    outcome: Literal["eligible", "ineligible", "needs_review"]
    rules: list[RuleResult]
    nominable: bool
    related: list[str] | None = None
    decided_by: DecidedBy | None = None


# --- 5.2 stakeholders and ballots ------------------------------------------


# Any values are taken (a member is known even with an unknown type, country or a
# malformed email); `StakeholderRegistered.complete` says whether they make a complete profile.
class Organization(Data):
    entity_id: Id | None = None
    name: Name | None = None
    type: Name | None = None
    country: Name | None = None


class StakeholderRegistered(Data):
    user_id: Id
    username: Name | None = None
    email: EmailText | None = None
    organization: Organization = Organization()

    @property
    def complete(self) -> bool:
        """V2: username, a well-formed email, the organization's name, type and country."""
        org = self.organization
        return profile_complete(self.username, self.email, org.name, org.type, org.country)


class BallotCast(Data):
    voter_id: Id
    category: CategoryNo
    project_id: Id


class VoteAccepted(Data):
    ballot_id: str
    voter_id: str
    category: int
    project_id: str


RejectionReason = Literal[
    "voter_unknown",
    "voter_suspended",
    "profile_incomplete",
    "voting_closed",
    "project_not_nominated",
    "category_mismatch",
    "own_project",
    "already_voted",
    "invalid_ballot",
]


class VoteRejected(Data):
    ballot_id: str
    voter_id: str | None = None
    category: int | None = None
    project_id: str | None = None
    reason: RejectionReason


class ProjectStanding(Data):
    project_id: str
    votes: Count
    rank: Annotated[int, Field(ge=1)]


class CategoryProgress(Data):
    category: int
    projects: list[ProjectStanding]


# `ballots_root` (5.2): the lowercase hex of the SHA-256 Merkle root of the votes a report counts.
BallotsRoot = Annotated[str, Strict(), StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class VotingProgress(Data):
    week: Annotated[int, Field(ge=1)]
    as_of: AwareDatetime
    ballots_root: BallotsRoot
    categories: list[CategoryProgress]


class ProjectVotes(Data):
    project_id: str
    votes: Count


class CategoryResult(Data):
    category: int
    finalists: list[str]
    tally: list[ProjectVotes]
    ties: list[str]


class VotingClosed(Data):
    as_of: AwareDatetime
    ballots_root: BallotsRoot
    categories: list[CategoryResult]


# --- 5.3 panel decisions ---------------------------------------------------


class PanelNominated(Data):
    submission_id: Id
    category: CategoryNo
    panel_member_id: Id
    rationale: Reason | None = None


class NominationWithdrawn(Data):
    submission_id: Id
    panel_member_id: Id


class NominationRecorded(Data):
    submission_id: str
    category: int


NominationRefusal = Literal[
    "outside_window",
    "unknown_submission",
    "not_eligible",
    "category_mismatch",
    "category_full",
    "already_nominated",
]


class NominationRefused(Data):
    """`reason` is one of the contract's six. Data that does not fit the schema
    (CONTRACT 6) is refused with the closest of them, and `errors` lists every
    problem with its field path (an extra field, which readers ignore)."""

    submission_id: str | None = None
    category: int | None = None
    reason: NominationRefusal
    errors: list[FieldError] | None = None


class Nominee(Data):
    submission_id: str
    entity_id: str
    title: str


class CategoryNominees(Data):
    category: int
    nominees: list[Nominee]


class NominationsPublished(Data):
    categories: list[CategoryNominees]


class WinnerSelected(Data):
    category: CategoryNo
    submission_id: Id
    panel_member_id: Id


class WinnerRecorded(Data):
    category: int
    submission_id: str


WinnerRefusal = Literal["outside_window", "not_a_finalist", "already_decided"]


class WinnerRefused(Data):
    """Like `NominationRefused`: a contract reason, and `errors` for bad data."""

    category: int | None = None
    submission_id: str | None = None
    reason: WinnerRefusal
    errors: list[FieldError] | None = None


class WinnersAnnounced(Data):
    pass


class CategoryAwards(Data):
    category: int
    winner: str | None = None
    champions: list[str]


class AwardsAnnounced(Data):
    categories: list[CategoryAwards]


# --- 5.5 notifications, clock, dead letters --------------------------------


class Notification(Data):
    notification_id: str
    occasion: str
    submission_id: str | None = None
    week: int | None = None
    error: str | None = None


class ClockTick(Data):
    pass


class DeadLetter(Data):
    stream: str
    entry_id: str
    error: str
    raw: str

    @model_validator(mode="before")
    @classmethod
    def _blank_is_missing(cls, value: Any) -> Any:
        # Verbatim: an empty or blank entry is dead-lettered too (raw "").
        return value


# --- 5.1 and 5.2 staff decisions --------------------------------------------


class StaffScreeningDecided(Data):
    submission_id: Id
    outcome: Literal["eligible", "ineligible"]
    staff_member_id: Id
    reason: Reason


class ScreeningRefused(Data):
    submission_id: str | None = None
    reason: Literal["unknown_submission", "too_late", "invalid_decision"]


class StaffVotesAnnulled(Data):
    voter_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_VOTER_IDS)]
    staff_member_id: Id
    reason: Reason


class VotesAnnulled(Data):
    voter_ids: list[str]
    votes_annulled: Count
    staff_member_id: str
    reason: str


class AnnulmentRefused(Data):
    voter_ids: list[str] = []
    reason: Literal["too_late", "invalid_decision"]


class T:
    """Event type names, so a typo is an AttributeError, not a silent miss."""

    SUBMISSION_SUBMITTED = "wsis.submission.submitted"
    SUBMISSION_RECEIVED = "wsis.submission.received"
    SUBMISSION_REJECTED = "wsis.submission.rejected"
    SUBMISSION_SCREENED = "wsis.submission.screened"
    STAKEHOLDER_REGISTERED = "wsis.stakeholder.registered"
    BALLOT_CAST = "wsis.ballot.cast"
    VOTE_ACCEPTED = "wsis.vote.accepted"
    VOTE_REJECTED = "wsis.vote.rejected"
    VOTING_PROGRESS = "wsis.voting.progress"
    VOTING_CLOSED = "wsis.voting.closed"
    PANEL_NOMINATED = "wsis.panel.nominated"
    PANEL_NOMINATION_WITHDRAWN = "wsis.panel.nomination_withdrawn"
    PANEL_WINNER_SELECTED = "wsis.panel.winner_selected"
    PANEL_WINNERS_ANNOUNCED = "wsis.panel.winners_announced"
    NOMINATION_RECORDED = "wsis.nomination.recorded"
    NOMINATION_REFUSED = "wsis.nomination.refused"
    NOMINATIONS_PUBLISHED = "wsis.nominations.published"
    WINNER_RECORDED = "wsis.winner.recorded"
    WINNER_REFUSED = "wsis.winner.refused"
    AWARDS_ANNOUNCED = "wsis.awards.announced"
    NOTIFICATION_SENT = "wsis.notification.sent"
    NOTIFICATION_FAILED = "wsis.notification.failed"
    CLOCK_TICK = "wsis.clock.tick"
    DEADLETTER = "wsis.deadletter"
    STAFF_SCREENING_DECIDED = "wsis.staff.screening_decided"
    SCREENING_REFUSED = "wsis.screening.refused"
    STAFF_VOTES_ANNULLED = "wsis.staff.votes_annulled"
    VOTES_ANNULLED = "wsis.votes.annulled"
    ANNULMENT_REFUSED = "wsis.annulment.refused"


DATA_MODELS: dict[str, type[Data]] = {
    T.SUBMISSION_SUBMITTED: SubmissionSubmitted,
    T.SUBMISSION_RECEIVED: SubmissionReceived,
    T.SUBMISSION_REJECTED: SubmissionRejected,
    T.SUBMISSION_SCREENED: SubmissionScreened,
    T.STAKEHOLDER_REGISTERED: StakeholderRegistered,
    T.BALLOT_CAST: BallotCast,
    T.VOTE_ACCEPTED: VoteAccepted,
    T.VOTE_REJECTED: VoteRejected,
    T.VOTING_PROGRESS: VotingProgress,
    T.VOTING_CLOSED: VotingClosed,
    T.PANEL_NOMINATED: PanelNominated,
    T.PANEL_NOMINATION_WITHDRAWN: NominationWithdrawn,
    T.PANEL_WINNER_SELECTED: WinnerSelected,
    T.PANEL_WINNERS_ANNOUNCED: WinnersAnnounced,
    T.NOMINATION_RECORDED: NominationRecorded,
    T.NOMINATION_REFUSED: NominationRefused,
    T.NOMINATIONS_PUBLISHED: NominationsPublished,
    T.WINNER_RECORDED: WinnerRecorded,
    T.WINNER_REFUSED: WinnerRefused,
    T.AWARDS_ANNOUNCED: AwardsAnnounced,
    T.NOTIFICATION_SENT: Notification,
    T.NOTIFICATION_FAILED: Notification,
    T.CLOCK_TICK: ClockTick,
    T.DEADLETTER: DeadLetter,
    T.STAFF_SCREENING_DECIDED: StaffScreeningDecided,
    T.SCREENING_REFUSED: ScreeningRefused,
    T.STAFF_VOTES_ANNULLED: StaffVotesAnnulled,
    T.VOTES_ANNULLED: VotesAnnulled,
    T.ANNULMENT_REFUSED: AnnulmentRefused,
}


def utc_iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")
