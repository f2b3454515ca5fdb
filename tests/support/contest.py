"""A whole contest as the platforms would publish it: seeded, deterministic, in phases.

Every event's id and content depend on the seed and the scale alone, so two
runs publish the very same inputs. A phase ends where the platforms would
wait in real life (the submission deadline, the nominee list, each week's
end): the driver lets the system settle before the next one. Conflicting
events (an amendment, a second ballot of a voter in a category, a repeated
nomination) are put in a later phase than what they conflict with: the
order within a stream is kept except for entries in flight when a consumer
dies (they are retried after `reclaim_idle_ms`, behind newer ones), and the
scenario must not depend on what a crash may reorder.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from shared import topology
from tests.support.events import cloudevent

CATEGORIES = range(1, 19)
ENTRIES = 8  # per category; the 8th is `ongoing` (S6: ineligible)
WEEK_ENDS = ("2021-03-07T23:00:00Z", "2021-03-14T23:00:00Z", "2021-03-21T23:00:00Z", "2021-03-28T22:00:00Z", "2021-03-31T21:00:00Z")
WEEK_FIRST_DAY = (1, 8, 15, 22, 29)
VOCABULARY = (
    "access adults affordable agriculture among areas broadband build capacity care centres children cities citizens "
    "clinics communities connect content cooperatives costs country courses data develop digital district doctors "
    "education electricity enable energy farmers funding girls government groups health help homes hospitals households "
    "improve income information infrastructure innovation internet jobs knowledge language learning libraries lives local "
    "market materials mobile network offline online open people phones platform policy population programme provide "
    "public quality reach regional remote research rural schools security services skills small social solar students "
    "support sustainable teachers technology tools training transport trust universities users village water women workers"
).split()
Event = tuple[str, bytes]


@dataclass
class Phase:
    name: str
    events: list[Event] = field(default_factory=list)
    # Read what the system answered so far and add the events that depend on it
    # (the panel picks its winners among the finalists it was told of).
    after: Callable[[Callable[[str], list[dict[str, Any]]]], list[Event]] | None = None


def ce(stream: str, kind: str, event_id: str, at: str, data: dict[str, Any]) -> Event:
    body = cloudevent(kind, data, time_=at, id_=event_id, source="scenario")
    return stream, json.dumps(body, separators=(",", ":")).encode()


def sid(category: int, n: int) -> str:
    return f"entry-{category}-{n}"


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(words))


def entry(category: int, n: int, /, **changes: Any) -> dict[str, Any]:
    rng = random.Random(f"entry/{category}/{n}")
    data = {
        "submission_id": sid(category, n),
        "entity": {"entity_id": f"org-{category}-{n}", "name": f"Organisation {category}-{n}", "stakeholder_type": "civil_society", "country": "KE"},
        "coordinator": {"name": f"Coordinator Person {category}x{n}", "email": f"coordinator.{category}.{n}@example.org"},
        "category": category,
        "title": f"{text(rng, 4).capitalize()} {category}-{n}",
        "short_description": text(rng, 170),
        "action_lines_sdg_linkage": "The project advances SDG 4, quality education, because " + text(rng, 70),
        "impact": text(rng, 100),
        "partnerships": text(rng, 60),
        "challenges_and_prospects": text(rng, 70),
        "sdgs": [4],
        "status": "ongoing" if n == ENTRIES else "completed",
    }
    data.update(changes)
    return data


def submissions() -> Iterator[Phase]:
    first = Phase("submissions", [
        ce(topology.IN_SUBMISSIONS, "wsis.submission.submitted", f"sub-{c}-{n}", "2021-01-10T10:00:00Z", entry(c, n))
        for c in CATEGORIES for n in range(1, ENTRIES + 1)
    ])
    first.events.append(ce(topology.IN_SUBMISSIONS, "wsis.submission.submitted", "sub-bad", "2021-01-10T10:00:00Z", entry(1, 99, category=19)))
    first.events.append((topology.IN_SUBMISSIONS, b"{not json"))
    yield first
    yield Phase("amendments", [
        ce(topology.IN_SUBMISSIONS, "wsis.submission.submitted", "sub-1-1", "2021-01-10T10:00:00Z", entry(1, 1)),  # a repeat
        ce(topology.IN_SUBMISSIONS, "wsis.submission.submitted", "amend-1-2", "2021-01-20T10:00:00Z", entry(1, 2, title="Amended title 1-2")),
        ce(topology.IN_SUBMISSIONS, "wsis.submission.submitted", "amend-1-3", "2021-02-01T10:00:00Z", entry(1, 3, title="Too late 1-3")),
    ])


def panel(kind: str, event_id: str, at: str, **data: Any) -> Event:
    return ce(topology.IN_PANEL, f"wsis.panel.{kind}", event_id, at, data)


def nominations() -> Iterator[Phase]:
    at = "2021-02-10T10:00:00Z"
    first = [panel("nominated", f"nom-{c}-{n}", at, submission_id=sid(c, n), category=c, panel_member_id="panel-1")
             for c in CATEGORIES for n in range(1, ENTRIES + 1)]
    first.append(panel("nominated", "nom-unknown", at, submission_id="entry-none", category=3, panel_member_id="panel-2"))
    first.append(panel("nominated", "nom-mismatch", at, submission_id=sid(2, 1), category=5, panel_member_id="panel-2"))
    yield Phase("nominations", first)
    yield Phase("second thoughts", [
        panel("nominated", "nom-again-4-1", "2021-02-11T10:00:00Z", submission_id=sid(4, 1), category=4, panel_member_id="panel-3"),
        panel("nomination_withdrawn", "withdraw-2-7", "2021-02-12T10:00:00Z", submission_id=sid(2, 7), panel_member_id="panel-1"),
        panel("nominated", "nom-late", "2021-03-02T10:00:00Z", submission_id=sid(5, 1), category=5, panel_member_id="panel-1"),
    ])
    yield Phase("nominee list", [ce(topology.IN_CLOCK, "wsis.clock.tick", "tick-list", "2021-02-28T23:00:00Z", {})])


def member(user_id: str, at: str = "2021-02-20T10:00:00Z", entity: str | None = None, complete: bool = True) -> Event:
    data: dict[str, Any] = {"user_id": user_id, "username": f"user_{user_id}", "organization": {
        "entity_id": entity or f"member-org-{user_id}", "name": f"Member Org {user_id}", "type": "academia", "country": "CH"}}
    if complete:
        data["email"] = f"{user_id}@members.example.net"
    return ce(topology.IN_STAKEHOLDERS, "wsis.stakeholder.registered", f"reg-{user_id}-{at[:10]}", at, data)


def ballot(event_id: str, at: str, voter: str, category: int, project: Any) -> Event:
    return ce(topology.IN_BALLOTS, "wsis.ballot.cast", event_id, at, {"voter_id": voter, "category": category, "project_id": project})


def voting(voters: int, seed: int) -> Iterator[Phase]:
    """`voters` members vote once in each category, spread over the five weeks, plus every kind of refusal."""
    regs = [member(f"v{i}") for i in range(voters)]
    regs += [member(f"incomplete{i}", complete=False) for i in range(20)]
    regs += [member(f"insider{c}", entity=f"org-{c}-1") for c in CATEGORIES]  # V3: own project
    regs.append((topology.IN_STAKEHOLDERS, b"\x00\x01 not an event"))
    yield Phase("members", regs)
    weeks: list[list[Event]] = [[] for _ in WEEK_ENDS]
    weights = [34, 27, 22, 16, 11, 8, 5]  # entries 1..7: the leaders are clear, ties still happen
    for i in range(voters):
        rng = random.Random(f"{seed}/voter/{i}")
        for c in CATEGORIES:
            week = rng.randrange(len(WEEK_ENDS))
            at = f"2021-03-{WEEK_FIRST_DAY[week] + rng.randrange(2):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"
            n = rng.choices(range(1, 8), weights)[0]
            weeks[week].append(ballot(f"b-{i}-{c}", at, f"v{i}", c, sid(c, n)))
            if rng.random() < 0.01 and week < len(WEEK_ENDS) - 1:  # V5: a second ballot, a week later at least
                weeks[week + 1].append(ballot(f"b-{i}-{c}-again", WEEK_ENDS[week + 1].replace("T2", "T1"), f"v{i}", c, sid(c, 1)))
    rng = random.Random(f"{seed}/refusals")
    for week, bucket in enumerate(weeks):
        at = f"2021-03-{WEEK_FIRST_DAY[week]:02d}T12:00:00Z"
        for k in range(40):
            c = rng.choice(list(CATEGORIES))
            bucket += [
                ballot(f"unknown-{week}-{k}", at, f"stranger{k}", c, sid(c, 1)),
                ballot(f"incomplete-{week}-{k}", at, f"incomplete{k % 20}", c, sid(c, 1)),
                ballot(f"notnominated-{week}-{k}", at, f"v{k}", c, sid(c, ENTRIES)),
                ballot(f"mismatch-{week}-{k}", at, f"v{k}", c, sid(c % 18 + 1, 2)),
                ballot(f"invalid-{week}-{k}", at, f"v{k}", "seven", sid(c, 2)),
            ]
        bucket += [ballot(f"own-{week}-{c}", at, f"insider{c}", c, sid(c, 1)) for c in CATEGORIES]
        bucket += [ballot(f"early-{week}-{k}", "2021-02-27T12:00:00Z", f"v{k}", 1, sid(1, 1)) for k in range(5)]
        rng.shuffle(bucket)
        bucket += bucket[:: max(1, len(bucket) // 50)]  # redeliveries by the front end: same ids
        tick = ce(topology.IN_CLOCK, "wsis.clock.tick", f"tick-week-{week + 1}", WEEK_ENDS[week], {})
        # A member completes a profile between two weeks, before voting again.
        late = [member("incomplete0", at="2021-03-14T10:00:00Z")] if week == 2 else []
        yield Phase(f"week {week + 1}", [*late, *bucket, tick])


def winners() -> Iterator[Phase]:
    def selections(read: Callable[[str], list[dict[str, Any]]]) -> list[Event]:
        (closed,) = {e["id"]: e for e in read(topology.OUT_VOTING) if e["type"] == "wsis.voting.closed"}.values()
        picks = []
        for result in closed["data"]["categories"]:
            if result["finalists"]:
                c = result["category"]
                picks.append(panel("winner_selected", f"win-{c}", "2021-04-02T10:00:00Z", category=c,
                                   submission_id=result["finalists"][c % len(result["finalists"])], panel_member_id="panel-1"))
        return picks

    yield Phase("winners", after=selections)
    yield Phase("second winner", [
        panel("winner_selected", "win-again-2", "2021-04-05T10:00:00Z", category=2, submission_id=sid(2, 1), panel_member_id="panel-2"),
        panel("winner_selected", "win-outsider", "2021-04-05T11:00:00Z", category=1, submission_id=sid(1, 7), panel_member_id="panel-2"),
        panel("winner_selected", "win-too-late", "2021-04-20T10:00:00Z", category=3, submission_id=sid(3, 1), panel_member_id="panel-2"),
    ])
    yield Phase("ceremony", [panel("winners_announced", "ceremony", "2021-05-20T16:00:00Z")])


def contest(voters: int, seed: int) -> list[Phase]:
    return [*submissions(), *nominations(), *voting(voters, seed), *winners()]


def personal_data(voters: int) -> set[str]:
    """Every email address, username and person's name the scenario publishes."""
    found = {entry(c, n)["coordinator"][k] for c in CATEGORIES for n in range(1, ENTRIES + 1) for k in ("name", "email")}
    users = [f"v{i}" for i in range(voters)] + [f"incomplete{i}" for i in range(20)] + [f"insider{c}" for c in CATEGORIES]
    found |= {f"user_{u}" for u in users} | {f"{u}@members.example.net" for u in users}
    return found
