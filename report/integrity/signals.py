"""The integrity signals, pure: members and accepted votes in, findings out.

Each signal is looked for per voting week, category and project, with its
rule and thresholds from the contest file's `integrity` section. A finding
explains itself (counts, time window, shares, the threshold crossed) and
names the voter ids staff would annul; never an address or a name.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import chain
from operator import attrgetter
from statistics import median

import numpy as np

from report.integrity.model import Finding, Member, Vote
from report.memory import seldom_collected
from shared.contest import GroupMix, Integrity, NewAccountCluster, VoteBurst, VotingWeek

ONE_HOUR = timedelta(hours=1)
VOTER = attrgetter("voter_id")

__all__ = ["Finding", "Member", "Vote", "detect", "group_mixes", "new_account_clusters", "vote_bursts"]


def detect(votes: Iterable[Vote], members: dict[str, Member], weeks: Iterable[VotingWeek],
           rules: Integrity, voting_opens: datetime) -> list[Finding]:  # fmt: skip
    """Every signal in every week, ordered by week, category, project and signal."""
    with seldom_collected():
        return _detect(votes, members, weeks, rules, voting_opens)


def _detect(votes: Iterable[Vote], members: dict[str, Member], weeks: Iterable[VotingWeek],
            rules: Integrity, voting_opens: datetime) -> list[Finding]:  # fmt: skip
    by_week: dict[int, list[Vote]] = defaultdict(list)
    numbers = {w.number: w for w in weeks}
    spans = sorted((w.start, w.end) for w in numbers.values())
    # The week a vote falls in is the first that holds it; when no two weeks overlap that is the only
    # one, so the last week found is tried first (votes come mostly in time order).
    disjoint = all(end <= start for (_, end), (start, _) in zip(spans, spans[1:], strict=False))
    last: tuple[int, datetime, datetime] | None = None
    for vote in votes:
        at = vote.at
        if disjoint and last is not None and last[1] <= at < last[2]:
            by_week[last[0]].append(vote)
            continue
        week = next((n for n, w in numbers.items() if w.start <= at < w.end), None)
        if week is not None:
            by_week[week].append(vote)
            last = (week, numbers[week].start, numbers[week].end)
    found: list[Finding] = []
    newcomers = _newcomers(members, voting_opens)
    groups = Groups(members, rules.group_mix.by)
    for number in sorted(by_week):
        week_votes = sorted(by_week[number], key=attrgetter("at", "voter_id"))
        projects = _by_project(week_votes)  # once a week, for the three signals
        found += _new_account_clusters(number, [v for v in week_votes if v.voter_id in newcomers], rules.new_account_cluster)
        found += _group_mixes(number, projects, groups, rules.group_mix)
        found += _vote_bursts(number, projects, rules.vote_burst)
    return sorted(found, key=lambda f: (f.week, f.category, f.project_id, f.signal))


def _by_project(votes: Iterable[Vote]) -> dict[tuple[int, str], list[Vote]]:
    grouped: dict[tuple[int, str], list[Vote]] = defaultdict(list)
    for vote in votes:
        grouped[(vote.category, vote.project_id)].append(vote)
    return grouped


def densest_window(votes: list[Vote], width: timedelta) -> list[Vote]:
    """The most votes (in time order) within `width` of the first of them; the earliest such run."""
    best: tuple[int, int] = (0, 0)
    start = 0
    for end, vote in enumerate(votes):
        while vote.at - votes[start].at > width:
            start += 1
        if end + 1 - start > best[1] - best[0]:
            best = (start, end + 1)
    return votes[best[0] : best[1]]


def _newcomers(members: dict[str, Member], voting_opens: datetime) -> frozenset[str]:
    return frozenset(user for user, member in members.items() if member.registered_at >= voting_opens)


def new_account_clusters(week: int, votes: list[Vote], members: dict[str, Member],
                         rule: NewAccountCluster, voting_opens: datetime) -> list[Finding]:  # fmt: skip
    """(a) Members registered after voting opened, many voting for one project within minutes."""
    newcomers = _newcomers(members, voting_opens)
    return _new_account_clusters(week, [v for v in votes if v.voter_id in newcomers], rule)


def _new_account_clusters(week: int, new: list[Vote], rule: NewAccountCluster) -> list[Finding]:
    """(a) on the votes of newcomers alone."""
    found = []
    for (category, project), mine in sorted(_by_project(new).items()):
        run = densest_window(mine, timedelta(minutes=rule.window_minutes))
        if len(run) < rule.min_voters:
            continue
        minutes = round((run[-1].at - run[0].at).total_seconds() / 60, 1)
        found.append(Finding(
            "new_account_cluster", week, category, project, len(run), (run[0].at, run[-1].at),
            f"at least {rule.min_voters} members registered after voting opened, within {rule.window_minutes} minutes",
            f"{len(run)} members registered after voting opened voted for it within {minutes} minutes",
            tuple(sorted(v.voter_id for v in run)),
            {"new_members_in_week": len(mine), "minutes": minutes},
        ))  # fmt: skip
    return found


def group_mixes(week: int, votes: list[Vote], members: dict[str, Member], rule: GroupMix) -> list[Finding]:
    """(b) One organisation, email domain or country far above its usual share of the category's voters."""
    return _group_mixes(week, _by_project(votes), Groups(members, rule.by), rule)


class Groups:
    """The members by number, and each one's group by number for each grouping of the rule: counted as arrays."""

    def __init__(self, members: dict[str, Member], by: Iterable[str]) -> None:
        self.members = members
        self.number = {user: n for n, user in enumerate(members)}
        self.names: dict[str, list[str]] = {}  # by -> the groups' names, by number
        self.codes: dict[str, np.ndarray] = {}  # by -> each member's group number, by the member's number
        for name in by:
            numbers: dict[str, int] = {}
            self.codes[name] = np.fromiter(
                (numbers.setdefault(group, len(numbers)) for group in map(attrgetter(name), members.values())), np.int64, len(members)
            )
            self.names[name] = list(numbers)


def _group_mixes(week: int, by_project: dict[tuple[int, str], list[Vote]], groups: Groups, rule: GroupMix) -> list[Finding]:
    """(b) on each project's votes; a voter the registry does not know is left out.

    Each project's voters are counted by group with numpy, one sort a grouping a week: a
    million votes make 3 million group look-ups, seconds of Python. Only a group with at
    least `min_voters` voters in a project is looked at closer (`_mix_finding`).
    """
    found: list[Finding] = []
    known = groups.number.get
    keys: list[tuple[int, str]] = []
    projects: list[list[Vote]] = []
    numbers: list[list[int]] = []
    for key, mine in sorted(by_project.items()):
        mine_numbers = list(map(known, map(VOTER, mine)))
        if None in mine_numbers:
            mine = [v for v, n in zip(mine, mine_numbers, strict=True) if n is not None]
            mine_numbers = [n for n in mine_numbers if n is not None]
        if mine:
            keys.append(key)
            projects.append(mine)
            numbers.append(mine_numbers)  # type: ignore[arg-type]  # the unknown are left out above
    if not keys:
        return found
    sizes = np.array([len(mine) for mine in projects])
    project_of = np.repeat(np.arange(len(keys)), sizes)
    category_of = np.repeat(np.array([category for category, _ in keys]), sizes)
    voters = np.fromiter(chain.from_iterable(numbers), np.int64, int(sizes.sum()))
    in_category = Counter[int]()
    for (category, _), size in zip(keys, sizes.tolist(), strict=True):
        in_category[category] += size
    for by in rule.by:
        names, code = groups.names[by], groups.codes[by][voters]
        width = len(names)
        pairs, first, counts = np.unique(project_of * width + code, return_index=True, return_counts=True)
        crossing = counts >= rule.min_voters
        if not crossing.any():
            continue
        usual_pairs, usual_counts = np.unique(category_of * width + code, return_counts=True)
        # By project, the groups crossing: the most voters first, then the first met (Counter.most_common's order).
        candidates = sorted(zip(pairs[crossing] // width, -counts[crossing], first[crossing], pairs[crossing] % width, strict=True))
        for p, minus_count, _, g in candidates:
            group, key = names[g], keys[p]
            if not group:  # an unknown organisation or domain is no group
                continue
            usual = (int(usual_counts[np.searchsorted(usual_pairs, key[0] * width + g)]), in_category[key[0]])
            finding = _mix_finding(week, key, by, group, -int(minus_count), projects[p], groups.members, usual, rule)
            if finding:
                found.append(finding)
    return found


def _mix_finding(week: int, key: tuple[int, str], by: str, group: str, count: int, mine: list[Vote], members: dict[str, Member],
                 usual: tuple[int, int], rule: GroupMix) -> Finding | None:  # fmt: skip
    """The finding on the `count` voters of `mine` (all in `members`) in `group`, if it crosses the rule;
    `usual`: the group's voters in the category, and all of the category's."""
    category, project = key
    share = count / len(mine)
    usual_share = usual[0] / usual[1]
    ratio = share / usual_share
    if share < rule.min_share or ratio < rule.min_ratio:
        return None
    group_of = attrgetter(by)
    theirs = [v for v in mine if group_of(members[v.voter_id]) == group]
    return Finding(
        f"group_mix:{by}", week, category, project, len(theirs), (theirs[0].at, theirs[-1].at),
        f"a group's share of the project's voters at least {rule.min_share:.0%} and {rule.min_ratio:g} times its share of the category's",
        f"{len(theirs)} of its {len(mine)} voters share one {by.replace('_', ' ')}: {share:.0%} against {usual_share:.1%} in the category",
        tuple(sorted(v.voter_id for v in theirs)),
        {"group": group, "share": round(share, 4),
         "usual_share": round(usual_share, 4), "ratio": round(ratio, 2), "project_voters": len(mine)},
    )  # fmt: skip


def vote_bursts(week: int, votes: list[Vote], rule: VoteBurst) -> list[Finding]:
    """(c) An hour far above the project's median hour (of the hours in which it got votes)."""
    return _vote_bursts(week, _by_project(votes), rule)


def _vote_bursts(week: int, by_project: dict[tuple[int, str], list[Vote]], rule: VoteBurst) -> list[Finding]:
    found = []
    for (category, project), mine in sorted(by_project.items()):
        hours: dict[datetime, list[Vote]] = {}
        start = end = None
        bucket: list[Vote] = []
        for vote in mine:
            at = vote.at
            # the hour's bucket found again only when a vote leaves it (with the same zone, the same hour)
            if start is None or end is None or at.tzinfo is not start.tzinfo or not start <= at < end:
                start = at.replace(minute=0, second=0, microsecond=0)
                end = start + ONE_HOUR
                bucket = hours.setdefault(start, [])
            bucket.append(vote)
        usual = max(1.0, median(len(h) for h in hours.values()))
        hour, peak = max(hours.items(), key=lambda item: (len(item[1]), -item[0].timestamp()))
        if len(peak) < rule.min_votes or len(peak) / usual < rule.min_ratio:
            continue
        found.append(Finding(
            "vote_burst", week, category, project, len(peak), (hour, hour + timedelta(hours=1)),
            f"at least {rule.min_votes} votes in an hour and {rule.min_ratio:g} times the project's median hour",
            f"{len(peak)} votes in one hour against a median of {usual:g} in its hours with votes ({len(peak) / usual:.1f} times)",
            tuple(sorted(v.voter_id for v in peak)),
            {"median_per_hour": usual, "ratio": round(len(peak) / usual, 2), "hours_with_votes": len(hours)},
        ))  # fmt: skip
    return found
