"""What the rules should make of the simulated contest, worked out independently of the services.

Used where no running system answers (a replay generated whole) and by the
tests, which hold the services' answers against it. It reads the contract's
rules, not the services' code.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from demo.ballot_events import Ballots, Nominee
from demo.ballots import INVALID
from demo.entries import PlannedEntry
from demo.members import Member
from demo.organisations import Organisation
from demo.panel import Verdict
from shared.contest import Contest


def verdicts(entries: Sequence[PlannedEntry]) -> dict[str, Verdict]:
    """Each received entry's intended outcome (schema failures never reach the screening)."""
    return {
        e.submission_id: Verdict(e.latest["category"], e.expected, e.expected == "eligible" and not e.thin)
        for e in entries
        if e.expected != "rejected"
    }


@dataclass(slots=True)
class Tally:
    votes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    reached: dict[str, int] = field(default_factory=dict)  # project -> time of its last accepted vote

    @property
    def accepted(self) -> int:
        return sum(self.votes.values())

    def finalists(self, nominees: Mapping[int, Sequence[Nominee]], size: int) -> dict[int, list[str]]:
        """The `size` most voted per category; a tie goes to the project that reached its count first, then the smaller id."""
        result = {}
        for category, names in sorted(nominees.items()):
            ranked = sorted((n.submission_id for n in names), key=lambda p: (-self.votes[p], self.reached.get(p, 0), p))
            result[category] = ranked[:size]
        return result


def votes(
    ballots: Ballots, members: Sequence[Member], nominees: Mapping[int, Sequence[Nominee]], contest: Contest,
    entrants: Mapping[str, Organisation] | None = None,
) -> Tally:
    """CONTRACT 5.2: the first reason that applies, in the table's order; one vote per voter and category.

    `entrants`: the organisation that submitted each entry (V3 by name and country)."""
    registry = {m.user_id: m for m in members}
    entrants = entrants or {}
    listed = {n.submission_id: (category, n.entity_id) for category, names in nominees.items() for n in names}
    opens, closes = contest.voting.start.timestamp(), contest.voting.end.timestamp()
    counted: set[tuple[str, int]] = set()
    tally = Tally()
    for voter, category, project, t, kind in ballots.cast:
        member = registry.get(voter)
        nominee = listed.get(project)
        if kind == INVALID:
            reason = "invalid_ballot"
        elif member is None:
            reason = "voter_unknown"
        elif not member.complete:
            reason = "profile_incomplete"
        elif not opens <= t < closes:
            reason = "voting_closed"
        elif nominee is None:
            reason = "project_not_nominated"
        elif nominee[0] != category:
            reason = "category_mismatch"
        elif _own(member, nominee[1], entrants.get(project)):
            reason = "own_project"
        elif (voter, category) in counted:
            reason = "already_voted"
        else:
            counted.add((voter, category))
            tally.votes[project] += 1
            tally.reached[project] = t
            continue
        tally.reasons[reason] += 1
    return tally


def _own(member: Member, entity_id: str, entrant: Organisation | None) -> bool:
    """V3: the same entity id; where the member has none, the same name (case, accents,
    punctuation and spacing ignored) and country. The demo's entries name no owner."""
    if member.entity_id is not None:
        return member.entity_id == entity_id
    return entrant is not None and member.org is not None and _named(*member.org) == _named(entrant.name, entrant.country)


def _named(name: str, country: str) -> tuple[str, str]:
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "MPZC"), country.upper()  # accents, punctuation, spaces
