"""A coordinated campaign and an honest surge, planted in the simulated vote for the integrity signals.

The campaign: `CAMPAIGN_MEMBERS` members register in the third voting week
(after voting opened), all with one email domain, and vote for one project
within twenty minutes. The surge: members registered before voting, of many
organisations and countries, vote for another project over the days of the
second week, more each day. `wsis integrity` should flag the first and not
the second (docs/integrity.md). Who, when and which projects depend on the
seed alone; the projects are picked once the nominee list is known.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from demo.organisations import MAIL_DOMAINS, Organisation, organisation
from shared.contest import Contest

CAMPAIGN_MEMBERS = 30
CAMPAIGN_DOMAIN = "vote-together.example"
CAMPAIGN_SPACING = 40  # seconds between the campaign's ballots
DAY = 86_400


def surge_members(count: int) -> int:
    return max(100, count // 100)


def planted_members(count: int) -> int:
    """How many of the electorate are the campaign's and the surge's (taken from its count)."""
    return CAMPAIGN_MEMBERS + surge_members(count) if count >= 1_000 else 0


@dataclass(frozen=True, slots=True)
class Profile:
    data: dict[str, Any]
    registered: int  # epoch seconds
    entity_id: str
    campaign: bool


def profiles(rng: random.Random, seed: int, count: int, first: int, own: Sequence[Organisation], contest: Contest) -> list[Profile]:
    """The planted members' profiles, numbered from `first`: the campaign's, then the surge's."""
    voting, opens = int(contest.voting.start.timestamp()), int(contest.submission.start.timestamp())
    found = []
    for n in range(CAMPAIGN_MEMBERS):
        org = organisation(rng, f"s{seed}-corg-{n:03d}")
        found.append(_profile(seed, first + n, org, CAMPAIGN_DOMAIN, voting + 16 * DAY + 10 * 3600 + 60 * n, True))
    for n in range(surge_members(count)):
        org = own[int(rng.random() * len(own))]
        registered = opens + int(rng.random() * (voting - opens))
        found.append(_profile(seed, first + CAMPAIGN_MEMBERS + n, org, MAIL_DOMAINS[n % 3], registered, False))
    return found


def _profile(seed: int, i: int, org: Organisation, domain: str, registered: int, campaign: bool) -> Profile:
    data = {"user_id": f"m{seed}-{i:06d}", "username": f"member{i}", "email": f"member{i}@{domain}",
            "organization": {"entity_id": org.entity_id, "name": org.name, "type": org.stakeholder_type, "country": org.country}}  # fmt: skip
    return Profile(data, registered, org.entity_id, campaign)


def rows(first: int, count: int, contest: Contest, campaign_kind: int, surge_kind: int) -> list[tuple[int, int, int, float, int]]:
    """Their ballots as plan rows (time, voter index, category 0: set with the project, taste, kind)."""
    voting = int(contest.voting.start.timestamp())
    found = [(voting + 16 * DAY + 12 * 3600 + CAMPAIGN_SPACING * n, first + n, 0, 0.0, campaign_kind) for n in range(CAMPAIGN_MEMBERS)]
    surge = surge_members(count)
    day_counts = [round(surge * (d + 1) / 28) for d in range(7)]  # 1 to 7 parts: rising each day
    day_counts[-1] += surge - sum(day_counts)
    voter = first + CAMPAIGN_MEMBERS
    for d, n in enumerate(day_counts):
        start = voting + (7 + d) * DAY
        for j in range(n):
            found.append((start + int((j + 0.5) * DAY / n), voter, 0, 0.0, surge_kind))
            voter += 1
    return found


@dataclass(frozen=True, slots=True)
class Planted:
    campaign: tuple[int, str] | None  # category, project
    surge: tuple[int, str] | None


def targets(seed: int, nominees: Mapping[int, Sequence[Any]], popularity: Callable[[int, str], float]) -> Planted:
    """The campaign's project (its category's least popular nominee) and the surge's (a middling one elsewhere)."""
    categories = sorted(c for c, names in nominees.items() if len(names) >= 2)
    if len(categories) < 2:
        return Planted(None, None)
    rng = random.Random(f"{seed}:campaign")
    first = rng.randrange(len(categories))
    campaign, surge = categories[first], categories[(first + 1 + rng.randrange(len(categories) - 1)) % len(categories)]

    def ranked(category: int) -> list[str]:
        return sorted((n.submission_id for n in nominees[category]), key=lambda p: (popularity(seed, p), p))

    low, middle = ranked(campaign), ranked(surge)
    return Planted((campaign, low[0]), (surge, middle[len(middle) // 2]))
