"""Reading what the signals need from the bus: members, ballots' times, accepted votes.

Members come from the member registry's stream (`wsis:in:stakeholders`):
the first registration's time (a later profile update is no new account),
the latest profile's organisation, country and email *domain*; the address
itself is dropped as it is read. Votes are the voting service's accepted
ones (`wsis:out:voting`), at their ballot's time (`wsis:in:ballots`); the
votes of members staff already annulled are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from report import streams
from report.integrity.signals import Member, Vote
from report.memory import seldom_collected
from shared import topology
from shared.events import T

READ = (topology.IN_STAKEHOLDERS, topology.IN_BALLOTS, topology.OUT_VOTING)


def email_domain(email: Any) -> str:
    text = str(email or "")
    return text.rpartition("@")[2].strip().lower() if "@" in text else ""


def organisation_of(org: dict[str, Any]) -> str:
    """The organisation's entity id, else its name folded (as V3 compares them)."""
    return str(org.get("entity_id") or " ".join(str(org.get("name") or "").casefold().split()))


@dataclass
class Collected:
    members: dict[str, Member] = field(default_factory=dict)
    ballot_times: dict[str, datetime] = field(default_factory=dict)
    accepted: list[tuple[str, str, int, str]] = field(default_factory=list)  # ballot, voter, category, project
    annulled: set[str] = field(default_factory=set)

    def keep(self, stream: str, raw: bytes | None, _entry_id: str) -> None:
        try:
            event = orjson.loads(raw or b"")
            kind, data = event.get("type"), event.get("data") or {}
            if stream == topology.IN_STAKEHOLDERS and kind == T.STAKEHOLDER_REGISTERED:
                self._member(data, datetime.fromisoformat(event["time"]))
            elif stream == topology.IN_BALLOTS and kind == T.BALLOT_CAST:
                self.ballot_times[str(event["id"])] = datetime.fromisoformat(event["time"])
            elif kind == T.VOTE_ACCEPTED:
                self.accepted.append((data["ballot_id"], data["voter_id"], int(data["category"]), data["project_id"]))
            elif kind == T.VOTES_ANNULLED:
                self.annulled.update(data.get("voter_ids") or ())
        except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
            return  # not an event the services would have accepted: the dead letters' concern

    def _member(self, data: dict[str, Any], at: datetime) -> None:
        user = str(data["user_id"])
        org = data.get("organization") or {}
        first = self.members.get(user)
        self.members[user] = Member(user, first.registered_at if first else at, organisation_of(org),
                                    str(org.get("country") or "").upper(), email_domain(data.get("email")))  # fmt: skip

    def votes(self) -> list[Vote]:
        times, annulled = self.ballot_times, self.annulled
        with seldom_collected():
            return [Vote(voter, category, project, times[ballot])
                    for ballot, voter, category, project in self.accepted
                    if ballot in times and voter not in annulled]  # fmt: skip


def read(url: str) -> Collected:
    """Everything the signals need, from the three streams as they are now."""
    collected = Collected()
    streams.run(url, lambda conn: streams.read_all(conn, READ, collected.keep))
    return collected
