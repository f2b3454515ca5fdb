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
from operator import attrgetter
from statistics import median

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
    for number in sorted(by_week):
        week_votes = sorted(by_week[number], key=attrgetter("at", "voter_id"))
        projects = _by_project(week_votes)  # once a week, for the three signals
        found += _new_account_clusters(number, [v for v in week_votes if v.voter_id in newcomers], rules.new_account_cluster)
        found += _group_mixes(number, projects, members, rules.group_mix)
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
    return _group_mixes(week, _by_project(votes), members, rule)


def _group_mixes(week: int, by_project: dict[tuple[int, str], list[Vote]], members: dict[str, Member],
                 rule: GroupMix) -> list[Finding]:  # fmt: skip
    """(b) on each project's votes; a voter the registry does not know is left out."""
    found = []
    projects: dict[tuple[int, str], list[Vote]] = {}
    voters: dict[tuple[int, str], list[Member]] = {}
    known = members.get
    for key, mine in by_project.items():
        people: list[Member] = list(filter(None, map(known, map(VOTER, mine))))  # a Member is never false
        if len(people) != len(mine):
            mine = [v for v in mine if v.voter_id in members]
        if mine:
            projects[key], voters[key] = mine, people
    # The category's voters (its projects' known voters, counted once a vote), and its projects.
    in_category: dict[int, list[tuple[int, str]]] = defaultdict(list)
    voters_in: Counter[int] = Counter()
    for key, people in voters.items():
        in_category[key[0]].append(key)
        voters_in[key[0]] += len(people)
    for by in rule.by:
        group_of = attrgetter(by)  # Member.group(by)
        counted = {key: Counter(map(group_of, people)) for key, people in voters.items()}
        for key, mine in sorted(projects.items()):
            for group, count in counted[key].most_common():
                if count < rule.min_voters:
                    break
                if not group:  # an unknown organisation or domain is no group
                    continue
                # The group's voters in the whole category, summed for this group alone: a group crossing
                # `min_voters` in a project is rare, and a Counter of every group of a category costs seconds.
                usual = sum(counted[other].get(group, 0) for other in in_category[key[0]])
                finding = _mix_finding(week, key, by, group, count, mine, voters[key], (usual, voters_in[key[0]]), rule)
                if finding:
                    found.append(finding)
    return found


def _mix_finding(week: int, key: tuple[int, str], by: str, group: str, count: int, mine: list[Vote], voters: list[Member],
                 usual: tuple[int, int], rule: GroupMix) -> Finding | None:  # fmt: skip
    """The finding on the `count` voters of `mine` (their profiles: `voters`) in `group`, if it crosses the rule;
    `usual`: the group's voters in the category, and all of the category's."""
    category, project = key
    share = count / len(mine)
    usual_share = usual[0] / usual[1]
    ratio = share / usual_share
    if share < rule.min_share or ratio < rule.min_ratio:
        return None
    group_of = attrgetter(by)
    theirs = [v for v, member in zip(mine, voters, strict=True) if group_of(member) == group]
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
