"""Ballot constraints V2-V5 (CONTRACT 5.2): pure data in, verdict out.

This is the one place a ballot is decided: `decide` gives its verdict from
the facts, V5 included (`voted`: whether the voter's vote in the category
is already counted, which the database's unique key tells the caller), and
`answer` says what its answer event carries. The hot path reads a million
ballots, so these functions take plain values (times as integer
microseconds since the epoch) and do no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from services.voting.domain.organisations import (
    OrgKey,
    Project,
    org_key,
)
from shared.contest import Contest
from shared.events import MAX_ID, T, profile_complete

# The contract's table, in its order: a ballot gets the first that applies;
# `invalid_ballot` excludes the others. A ballot stamped ahead of the wall
# clock (CONTRACT 2, not in a replay) cannot be placed in the window: it is
# `voting_closed`, and its answer says `time_in_future` in `errors`.
VOTER_UNKNOWN: Final = "voter_unknown"  # V2
VOTER_SUSPENDED: Final = "voter_suspended"  # staff annulled the voter's votes (domain/annulment.py)
PROFILE_INCOMPLETE: Final = "profile_incomplete"  # V2
VOTING_CLOSED: Final = "voting_closed"
PROJECT_NOT_NOMINATED: Final = "project_not_nominated"
CATEGORY_MISMATCH: Final = "category_mismatch"
OWN_PROJECT: Final = "own_project"  # V3
ALREADY_VOTED: Final = "already_voted"  # V5
INVALID_BALLOT: Final = "invalid_ballot"
TIME_IN_FUTURE: Final = "time_in_future"  # stored as such, published as VOTING_CLOSED
IN_FUTURE_MESSAGE: Final = "time_in_future: the ballot is stamped more than 5 minutes ahead of the service's clock"
REASONS: Final = (
    VOTER_UNKNOWN, VOTER_SUSPENDED, PROFILE_INCOMPLETE, VOTING_CLOSED, PROJECT_NOT_NOMINATED,
    CATEGORY_MISMATCH, OWN_PROJECT, ALREADY_VOTED, INVALID_BALLOT,
)


class Hold:
    """The verdict depends on the nominee list, which has not arrived yet."""

    def __repr__(self) -> str:
        return "HOLD"


HOLD: Final = Hold()
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND: Final = timedelta(microseconds=1)


def micros(instant: datetime) -> int:
    """Exact integer microseconds since the epoch (no float rounding)."""
    return (instant - EPOCH) // MICROSECOND


@dataclass(frozen=True, slots=True)
class Member:
    """What V2 and V3 need of a registered member: nothing personal."""

    entity_id: str | None
    complete: bool
    org: OrgKey | None = None  # the organisation's name and country, as V3 compares them


@dataclass(frozen=True, slots=True)
class Nominee:
    category: int
    entity_id: str


@dataclass(frozen=True, slots=True)
class Calendar:
    """The instants a ballot is judged against, in epoch microseconds."""

    opens: int
    closes: int
    list_published: int

    @classmethod
    def of(cls, contest: Contest) -> Calendar:
        return cls(micros(contest.voting.start), micros(contest.voting.end), micros(contest.nominees_published))


def decide(
    voter_id: str,
    category: int,
    project_id: str,
    at: int,
    member: Member | None,
    nominees: Mapping[str, Nominee] | None,
    calendar: Calendar,
    in_future: bool = False,
    voted: bool = False,
    projects: Mapping[str, Project] | None = None,
    suspended: bool = False,
) -> str | Hold | None:
    """The first rejection reason that applies, `HOLD`, or None: counted.

    `voted`: the voter has a vote counted in the category already (V5). A
    first verdict is asked with `voted=False`; the database then takes one
    vote per voter and category, and the ballots it refused are decided
    again with `voted=True`. `projects`: the organisations each entry
    belongs to (V3); a project not among them is known by the list's
    entity_id alone. `suspended`: staff annulled the voter's votes; like
    `voted`, the database tells (a first verdict is asked without it).
    """
    if member is None:
        return VOTER_UNKNOWN
    if suspended:
        return VOTER_SUSPENDED
    if not member.complete:
        return PROFILE_INCOMPLETE
    if in_future:
        return TIME_IN_FUTURE
    if not calendar.opens <= at < calendar.closes:
        return VOTING_CLOSED
    if nominees is None:
        # A ballot timed after the list's date waits for the list rather than
        # be refused for a fact that is on its way (order across streams).
        return HOLD if at >= calendar.list_published else PROJECT_NOT_NOMINATED
    nominee = nominees.get(project_id)
    if nominee is None:
        return PROJECT_NOT_NOMINATED
    if nominee.category != category:
        return CATEGORY_MISMATCH
    # V3, `owns` inlined (the hot path): the entry's organisations where it was read, else the list's entity_id.
    project = projects.get(project_id) if projects else None
    if project is None:
        if member.entity_id is not None and member.entity_id == nominee.entity_id:
            return OWN_PROJECT
    elif project.owned_by(member.entity_id, member.org):
        return OWN_PROJECT
    if voted:
        return ALREADY_VOTED
    return None


def owns(member: Member, nominee: Nominee, project: Project | None) -> bool:
    """V3: the voter's organisation submitted or owns the project (`same_organisation` with one of them)."""
    if project is None:
        return member.entity_id is not None and member.entity_id == nominee.entity_id
    return project.owned_by(member.entity_id, member.org)


def answer(reason: str | None, ballot_id: str, voter_id: str | None, category: int | None, project_id: str | None) -> tuple[str, dict[str, Any]]:
    """The answer event's type and data for a decided ballot (CONTRACT 5.2).

    A ballot stamped ahead of the wall clock is stored as `time_in_future`
    and answered `voting_closed`, with the reason in `errors`.
    """
    data: dict[str, Any]
    if voter_id is not None and category is not None and project_id is not None:  # every valid ballot: one literal
        data = {"ballot_id": ballot_id, "voter_id": voter_id, "category": category, "project_id": project_id}
    else:
        data = {"ballot_id": ballot_id}
        for name, value in (("voter_id", voter_id), ("category", category), ("project_id", project_id)):
            if value is not None:
                data[name] = value
    if reason is None:
        return T.VOTE_ACCEPTED, data
    if reason == TIME_IN_FUTURE:
        data["reason"] = VOTING_CLOSED
        data["errors"] = [{"field": "time", "message": IN_FUTURE_MESSAGE}]
    elif reason is not None:
        data["reason"] = reason
    return (T.VOTE_REJECTED if reason else T.VOTE_ACCEPTED), data


# --- reading `data` the way shared.events does, at hot-path speed ------------
# Equivalence with the pydantic models (BallotCast, StakeholderRegistered) is
# checked by property tests.


def _text(value: Any) -> str | None:
    """A contract string: trimmed, empty is missing; anything else is no text."""
    if type(value) is not str:
        return None
    value = value.strip()
    return value or None


def _optional_text(data: Mapping[str, Any], key: str) -> tuple[bool, str | None]:
    """(valid, value) of an optional string field."""
    value = data.get(key)
    if value is None:
        return True, None
    if type(value) is str:
        return True, value.strip() or None
    return False, None


def read_ballot(data: Mapping[str, Any]) -> tuple[str, int, str] | None:
    """(voter_id, category, project_id), or None when the data is an invalid ballot."""
    voter_id = _text(data.get("voter_id"))
    project_id = _text(data.get("project_id"))
    category = data.get("category")
    if voter_id is None or project_id is None or type(category) is not int or not 1 <= category <= 18:
        return None
    if len(voter_id) > MAX_ID or len(project_id) > MAX_ID:  # the contract's bound (shared.events)
        return None
    return voter_id, category, project_id


def ballot_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """What an invalid ballot's answer repeats of it: the fields of the right type."""
    fields: dict[str, Any] = {}
    for key in ("voter_id", "project_id"):
        text = _text(data.get(key))
        if text is not None and len(text) <= MAX_ID:  # an over-long id is not echoed back
            fields[key] = text
    category = data.get("category")
    if type(category) is int:
        fields["category"] = category
    return fields


def read_member(data: Mapping[str, Any]) -> tuple[str, Member] | None:
    """(user_id, member) of a `wsis.stakeholder.registered`, or None if it does not fit."""
    user_id = _text(data.get("user_id"))
    if user_id is None:
        return None
    ok_user, username = _optional_text(data, "username")
    ok_mail, email = _optional_text(data, "email")
    org = data.get("organization", {})
    if not (ok_user and ok_mail) or type(org) is not dict:
        return None
    parts = [_optional_text(org, key) for key in ("entity_id", "name", "type", "country")]
    if not all(ok for ok, _ in parts):
        return None
    (_, entity_id), (_, name), (_, kind), (_, country) = parts
    complete = profile_complete(username, email, name, kind, country)  # V2, as shared.events says
    return user_id, Member(entity_id, complete, org_key(name, country))
