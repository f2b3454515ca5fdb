"""Staff annulments (CONTRACT 5.2, "Annulment"): pure data in, decision out.

Staff may annul the votes of members found to be fake or coordinated. A
`wsis.staff.votes_annulled` is accepted while voting is open: its `time`
inside the voting window and the close not yet published. Otherwise it is
refused:

| reason | when |
|---|---|
| `invalid_decision` | the data does not fit (1 to 1,000 voter ids, the staff member, a reason); its time is ahead of the service's clock (CONTRACT 2); or voting has not opened yet (there is no vote to annul) |
| `too_late` | its time is at or after the close of voting, or the close is already published |

An accepted annulment stops every accepted vote of those voters counting
(tallies, progress, close, `ballots_root`), and their later ballots are
rejected `voter_suspended` (`ballot.decide`). Annulling a voter twice is
accepted again and annuls nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from services.voting.domain.ballot import Calendar
from shared.events import MAX_ID, MAX_VOTER_IDS, AnnulmentRefused, StaffVotesAnnulled

INVALID = "invalid_decision"
TOO_LATE = "too_late"


@dataclass(frozen=True, slots=True)
class Refuse:
    refused: AnnulmentRefused
    why: str  # for staff, in the log and the audit trail


@dataclass(frozen=True, slots=True)
class Accept:
    decision: StaffVotesAnnulled  # its voter ids once each, in the order given


def read_annulment(data: dict[str, Any]) -> StaffVotesAnnulled | Refuse:
    """The decision, its voter ids once each; or `invalid_decision` naming the fields that do not fit."""
    try:
        decision = StaffVotesAnnulled.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(part) for part in error["loc"]) for error in exc.errors()})
        return Refuse(AnnulmentRefused(voter_ids=echoed_ids(data), reason=INVALID), "does not fit: " + ", ".join(fields))
    return decision.model_copy(update={"voter_ids": list(dict.fromkeys(decision.voter_ids))})


def echoed_ids(data: dict[str, Any]) -> list[str]:
    """What a refusal repeats of an unfit decision's voter ids: the well-formed ones, at most 1,000."""
    given = data.get("voter_ids")
    if not isinstance(given, list):
        return []
    ids = (value.strip() for value in given if isinstance(value, str))
    return list(dict.fromkeys(value for value in ids if value and len(value) <= MAX_ID))[:MAX_VOTER_IDS]


def decide(decision: StaffVotesAnnulled, at: int, calendar: Calendar, close_published: bool, in_future: bool) -> Accept | Refuse:
    """Accepted while voting is open; `at` is the decision's time in epoch microseconds."""
    voters = decision.voter_ids
    if in_future:
        return Refuse(AnnulmentRefused(voter_ids=voters, reason=INVALID), "time_in_future")
    if at < calendar.opens:
        return Refuse(AnnulmentRefused(voter_ids=voters, reason=INVALID), "voting has not opened")
    if at >= calendar.closes:
        return Refuse(AnnulmentRefused(voter_ids=voters, reason=TOO_LATE), "voting has closed")
    if close_published:
        return Refuse(AnnulmentRefused(voter_ids=voters, reason=TOO_LATE), "the close of voting is published")
    return Accept(decision)
