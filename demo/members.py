"""Members of the stocktaking platform: who may vote, and from which organisation.

A quarter work for organisations that entered the contest (their votes for
their own project are refused, V3); a few leave their profile incomplete
(V2). Most register before voting opens, some during the voting month.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from demo import campaign, platform_events
from demo.organisations import MAIL_DOMAINS, Organisation, organisation
from shared import topology
from shared.contest import Contest
from shared.events import T

ENTRANT_SHARE = 0.25
INCOMPLETE_SHARE = 0.04
INDEPENDENT_SHARE = 0.06  # no organisation id: complete all the same if name, type and country are given
LATE_REGISTRATION_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class Member:
    user_id: str
    entity_id: str | None
    complete: bool
    registered: int  # epoch seconds
    entrant: bool  # works for an organisation that entered the contest
    org: tuple[str, str] | None = None  # the organisation's name and country as given (V3 compares them)


class Electorate:
    def __init__(self, seed: int, count: int, entrants: list[Organisation], contest: Contest) -> None:
        rng = random.Random(f"{seed}:members")
        self.seed, self.contest = seed, contest
        own = [organisation(rng, f"s{seed}-morg-{i:05d}") for i in range(max(20, count // 15))]
        self.members: list[Member] = []
        self.events: list[platform_events.Event] = []
        opens = int(contest.submission.start.timestamp())
        voting = int(contest.voting.start.timestamp())
        late_span = int((contest.voting.end - contest.voting.start).total_seconds()) - 4 * 86_400
        stamp, rand = platform_events.Stamps(), rng.random
        self.regular = count - campaign.planted_members(count)  # the rest: a campaign and a surge (demo.campaign)
        for i in range(self.regular):
            roll = rand()
            entrant = roll < ENTRANT_SHARE and bool(entrants)
            org = entrants[int(rand() * len(entrants))] if entrant else own[int(rand() * len(own))]
            data: dict[str, Any] = {"user_id": f"m{seed}-{i:06d}", "username": f"member{i}", "email": f"member{i}@{MAIL_DOMAINS[i % 3]}",
                                    "organization": {"entity_id": org.entity_id, "name": org.name, "type": org.stakeholder_type, "country": org.country}}  # fmt: skip
            if not entrant and roll < ENTRANT_SHARE + INDEPENDENT_SHARE:
                del data["organization"]["entity_id"]
            complete = rand() >= INCOMPLETE_SHARE
            if not complete:
                _leave_out(rng, data)
            registered = voting + int(rand() * late_span) if rand() < LATE_REGISTRATION_SHARE else opens + int(rand() * (voting - opens))
            given: dict[str, str] = data["organization"]
            named = (given["name"], given["country"]) if "name" in given and "country" in given else None
            self.members.append(Member(data["user_id"], given.get("entity_id"), complete, registered, entrant, named))
            self.events.append(platform_events.event(topology.IN_STAKEHOLDERS, T.STAKEHOLDER_REGISTERED, f"reg{seed}-{i:06d}",
                                          platform_events.MEMBER_REGISTRY, stamp(registered), data))  # fmt: skip
        for i, planted in enumerate(campaign.profiles(rng, seed, count, self.regular, own, contest), start=self.regular):
            self.members.append(Member(planted.data["user_id"], planted.entity_id, True, planted.registered, False))
            self.events.append(platform_events.event(topology.IN_STAKEHOLDERS, T.STAKEHOLDER_REGISTERED, f"reg{seed}-{i:06d}",
                                          platform_events.MEMBER_REGISTRY, stamp(planted.registered), planted.data))  # fmt: skip
        self.events.sort(key=lambda e: e.time)  # the registry publishes as people sign up


def _leave_out(rng: random.Random, data: dict) -> None:
    """V2: one of username, email, organisation name, type or country is missing (or blank)."""
    where = rng.choice(("username", "email", "name", "type", "country"))
    if where in ("username", "email"):
        data[where] = "" if rng.random() < 0.3 else None
        if data[where] is None:
            del data[where]
    else:
        data["organization"].pop(where, None)
