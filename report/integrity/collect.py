"""Reading what the signals need from the bus: members and accepted votes.

Members come from the member registry's stream (`wsis:in:stakeholders`):
the first registration's time (a later profile update is no new account),
the latest profile's organisation, country and email *domain*; the address
itself is dropped as it is read. Votes are the voting service's accepted
ones (`wsis:out:voting`), once each (a redelivered answer is the same
vote), at their answer's `time`: the time of the ballot it answers, which
the voting service judged the ballot on and which the tally's check reads
too (docs/tally.md); the votes of members staff already annulled are left
out.

`Collected.take` keeps what an event already read says, for a reader that
follows the streams anyway (the demo's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from report import streams
from report.integrity.signals import Member, Vote
from report.memory import seldom_collected
from report.raw import RawConnection
from shared import topology
from shared.events import T

READ = (topology.IN_STAKEHOLDERS, topology.OUT_VOTING)


def email_domain(email: Any) -> str:
    text = str(email or "")
    return text.rpartition("@")[2].strip().lower() if "@" in text else ""


def organisation_of(org: dict[str, Any]) -> str:
    """The organisation's entity id, else its name folded (as V3 compares them)."""
    return str(org.get("entity_id") or " ".join(str(org.get("name") or "").casefold().split()))


@dataclass
class Collected:
    members: dict[str, Member] = field(default_factory=dict)
    accepted: dict[str, tuple[str, int, str, str]] = field(default_factory=dict)  # ballot -> voter, category, project, time as written
    annulled: set[str] = field(default_factory=set)

    def keep(self, stream: str, raw: bytes | None, _entry_id: str) -> None:
        try:
            event = orjson.loads(raw or b"")
        except orjson.JSONDecodeError:
            return  # not an event the services would have accepted: the dead letters' concern
        self.take(stream, event)

    def take(self, stream: str, event: Any) -> None:
        """What the parsed `event`, read on `stream`, tells the signals."""
        try:
            kind, data = event.get("type"), event.get("data") or {}
            if kind == T.VOTE_ACCEPTED:
                if type(at := event["time"]) is str:
                    self.accepted.setdefault(data["ballot_id"], (data["voter_id"], int(data["category"]), data["project_id"], at))
            elif stream == topology.IN_STAKEHOLDERS and kind == T.STAKEHOLDER_REGISTERED:
                self._member(data, datetime.fromisoformat(event["time"]))
            elif kind == T.VOTES_ANNULLED:
                self.annulled.update(data.get("voter_ids") or ())
        except (AttributeError, KeyError, TypeError, ValueError):
            return  # not an event the services would have accepted: the dead letters' concern

    def _member(self, data: dict[str, Any], at: datetime) -> None:
        user = str(data["user_id"])
        org = data.get("organization") or {}
        first = self.members.get(user)
        self.members[user] = Member(user, first.registered_at if first else at, organisation_of(org),
                                    str(org.get("country") or "").upper(), email_domain(data.get("email")))  # fmt: skip

    def votes(self) -> list[Vote]:
        annulled = self.annulled
        found: list[Vote] = []
        add, when = found.append, datetime.fromisoformat
        with seldom_collected():
            for voter, category, project, at in self.accepted.values():
                if voter in annulled:
                    continue
                try:
                    add(Vote(voter, category, project, when(at)))
                except ValueError:
                    continue  # not a time: the voting service would have refused the ballot
        return found


async def gather(conn: RawConnection, streams_: tuple[str, ...] = READ, into: Collected | None = None) -> Collected:
    """Everything the signals need (`into`, with what `streams_` hold as they are now)."""
    collected = into if into is not None else Collected()
    await streams.read_all(conn, streams_, collected.keep)
    return collected


def read(url: str) -> Collected:
    """Everything the signals need, from the two streams as they are now."""
    return streams.run(url, gather)
