"""Reading what the signals need from the bus: members, ballots' times, accepted votes.

Members come from the member registry's stream (`wsis:in:stakeholders`):
the first registration's time (a later profile update is no new account),
the latest profile's organisation, country and email *domain*; the address
itself is dropped as it is read. Votes are the voting service's accepted
ones (`wsis:out:voting`), at their ballot's time (`wsis:in:ballots`); the
votes of members staff already annulled are left out.

The ballots' times are read by a process of their own while this one reads
the members and the votes (`gather`): a million entries each side, about as
long, on two cores instead of one after the other.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
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

BESIDE_BALLOTS = (topology.IN_STAKEHOLDERS, topology.OUT_VOTING)  # read while another process reads the ballots


def email_domain(email: Any) -> str:
    text = str(email or "")
    return text.rpartition("@")[2].strip().lower() if "@" in text else ""


def organisation_of(org: dict[str, Any]) -> str:
    """The organisation's entity id, else its name folded (as V3 compares them)."""
    return str(org.get("entity_id") or " ".join(str(org.get("name") or "").casefold().split()))


@dataclass
class Collected:
    members: dict[str, Member] = field(default_factory=dict)
    ballot_times: dict[str, str] = field(default_factory=dict)  # ballot id -> its `time` as written
    accepted: list[tuple[str, str, int, str]] = field(default_factory=list)  # ballot, voter, category, project
    annulled: set[str] = field(default_factory=set)

    def keep(self, stream: str, raw: bytes | None, _entry_id: str) -> None:
        try:
            event = orjson.loads(raw or b"")
            kind, data = event.get("type"), event.get("data") or {}
            if stream == topology.IN_STAKEHOLDERS and kind == T.STAKEHOLDER_REGISTERED:
                self._member(data, datetime.fromisoformat(event["time"]))
            elif stream == topology.IN_BALLOTS and kind == T.BALLOT_CAST and type(at := event["time"]) is str:
                self.ballot_times[str(event["id"])] = at  # read as a time only for a vote that counts (`votes`)
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
        found: list[Vote] = []
        add, when = found.append, datetime.fromisoformat
        with seldom_collected():
            for ballot, voter, category, project in self.accepted:
                at = times.get(ballot)
                if at is None or voter in annulled:
                    continue
                try:
                    add(Vote(voter, category, project, when(at)))
                except ValueError:
                    continue  # not a time: the voting service would have refused the ballot
        return found


def ballot_times(url: str) -> dict[str, str]:
    """`Collected.ballot_times` of every ballot on the bus, on a connection of its own."""
    collected = Collected()
    streams.run(url, lambda conn: streams.read_all(conn, (topology.IN_BALLOTS,), collected.keep))
    return collected.ballot_times


async def gather(conn: RawConnection, url: str) -> Collected:
    """Everything the signals need, from the three streams as they are now: the ballots' times by a
    process of its own (at `url`) while `conn` reads the members and the votes."""
    collected = Collected()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        times = asyncio.get_running_loop().run_in_executor(pool, ballot_times, url)
        try:
            await streams.read_all(conn, BESIDE_BALLOTS, collected.keep)
        finally:
            collected.ballot_times = await times
    return collected


def read(url: str) -> Collected:
    """Everything the signals need, from the three streams as they are now."""
    return streams.run(url, lambda conn: gather(conn, url))
