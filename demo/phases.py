"""The contest, phase by phase, against the running services.

Each phase publishes what the outside world would (entries, members, panel
decisions, ballots, the staff's ceremony event, clock ticks) and waits for
the services' answers on their streams before the next phase needs them.
Nothing waits per event: a phase publishes in chunks and watches counts.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from rich.progress import Progress, TaskID

from demo import cpu
from demo.ballot_events import Ballots, Nominee
from demo.panel import Verdict
from demo.platform_events import Event
from demo.publisher import Publisher
from demo.simulator import Simulation
from demo.staff import StaffDecision, answered_as_decided
from demo.watch import Watcher
from shared import topology
from shared.events import T

PHASE_TIMEOUT = 900.0
STAFF_TIMEOUT = 60.0  # a staff decision is answered in well under a second
MISTYPED_TIMEOUT = 60.0  # "at once": the window's close is not published until then


class Bar:
    """One progress bar: `bar(done)`, `bar.total(n)` once the total is known."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress, self.task = progress, task

    def __call__(self, done: int) -> None:
        self.progress.update(self.task, completed=done)

    def total(self, total: int) -> None:
        self.progress.update(self.task, total=total)


class Phases:
    def __init__(self, sim: Simulation, watch: Watcher, publisher: Publisher, progress: Progress, meter: cpu.Meter) -> None:
        self.sim, self.watch, self.pub, self.progress, self.meter = sim, watch, publisher, progress, meter
        self.timings: dict[str, float] = {}
        self.published: Counter[str] = Counter()
        self.sent: dict[str, Any] = {}  # what was published, for the checks

    @contextmanager
    def timed(self, name: str, metered: bool = True) -> Iterator[None]:
        """Time a phase; `metered`, its CPU by process too (`meter`; not for one that overlaps others)."""
        started = time.perf_counter()
        with self.meter.span(name) if metered else nullcontext():
            yield
        self.timings[name] = time.perf_counter() - started
        self.progress.console.print(f"{name.strip()}: done in {self.timings[name]:.1f} s")

    def bar(self, description: str, total: int | None) -> Bar:
        return Bar(self.progress, self.progress.add_task(description, total=total))

    async def publish(self, events: Sequence[Event]) -> None:
        for stream in dict.fromkeys(e.stream for e in events):
            bodies = [e.body for e in events if e.stream == stream]
            self.published[stream] += await self.pub.xadd(stream, bodies)

    async def tick(self, name: str) -> None:
        await self.publish([self.sim.tick(self.sim.ticks[name])])

    async def wait(self, done: Callable[[], bool], what: str, *bars: tuple[Bar, Callable[[], int]]) -> None:
        def check() -> bool:
            for update, count in bars:
                update(count())
            return done()

        await self.watch.until(check, what, PHASE_TIMEOUT)

    # --- 1. submissions, and the member registry alongside --------------------

    async def entries(self) -> None:
        events = self.sim.submissions()
        intake, state = self.watch.intake, self.watch.state
        self.sent["submissions"] = len(events)
        answered = self.bar("entries answered by intake", len(events))
        screened = self.bar("entries screened", None)
        await self.publish(events)
        await self.tick("submission closed")

        def count_screened() -> int:
            screened.total(len(intake.revisions))
            return sum(rid in state.screened_causes for _, rid in intake.revisions.values())

        await self.wait(lambda: len(intake.answered) == len(events) and count_screened() == len(intake.revisions),
                        "every entry answered and screened", (answered, lambda: len(intake.answered)), (screened, count_screened))  # fmt: skip

    async def members(self) -> None:
        events = self.sim.members()
        self.sent["members"] = len(events)
        registered = self.bar("members read by the voting service", len(events))
        await self.publish(events)
        await self.watch.settled(topology.IN_STAKEHOLDERS, "voting", PHASE_TIMEOUT, lambda backlog: registered(len(events) - backlog))

    # --- 2. staff decisions, nominations and the nominee list ------------------------------------

    async def staff(self) -> None:
        """The WSIS team decides entries on review and overturns a verdict; each answer is awaited by causationid."""
        state = self.watch.state
        # Staff read the entries once their coordinators were told the machine's verdict, so each
        # decision that changes it is one verdict-changed email, whatever the timing (the same report for a seed).
        told = lambda occasion: state.sent[occasion] + state.failed[occasion]  # noqa: E731
        await self.wait(lambda: told("acknowledgement") >= len(state.verdicts), "every entry's first email")
        changed_before = told("verdict_changed")
        decisions = self.sim.staff_decisions(dict(sorted(state.verdicts.items())))
        answers: list[tuple[StaffDecision, dict[str, Any] | None]] = []
        self.sent["staff"] = answers
        bar = self.bar("staff decisions answered", len(decisions))
        for decision in decisions:
            try:
                answer = await self.pub.request(topology.IN_STAFF, decision.event.body, decision.event.id, [topology.OUT_ELIGIBILITY], STAFF_TIMEOUT)
            except TimeoutError:
                answer = None  # the summary's check says so
            self.published[topology.IN_STAFF] += 1
            answers.append((decision, answer))
            bar(len(answers))
        screened = [a["id"] for _, a in answers if a and a.get("type") == T.SUBMISSION_SCREENED]
        await self.wait(lambda: all(i in state.seen for i in screened), "the staff's verdicts")
        changes = sum(1 for d, a in answers if answered_as_decided(d, a) and not d.refusal and d.outcome != d.machine_outcome)
        await self.wait(lambda: told("verdict_changed") >= changed_before + changes, "the verdict-changed emails of the staff's decisions")
        # The panel must not nominate on a verdict judging has not read yet: let it take the staff's first.
        if await self.watch.has_group(topology.OUT_ELIGIBILITY, "judging"):
            await self.watch.settled(topology.OUT_ELIGIBILITY, "judging", PHASE_TIMEOUT)

    async def nominations(self) -> None:
        state = self.watch.state
        verdicts = {sid: Verdict(v.category, v.outcome, v.nominable) for sid, v in sorted(state.verdicts.items())}
        decisions = self.sim.nominations(verdicts)
        self.sent["nominations"] = decisions
        await self.publish(decisions.events)
        # A nomination of an entry never submitted is refused at once (CONTRACT 5.3), not at the window's close.
        self.sent["mistyped"] = None
        if decisions.mistyped:
            started = time.perf_counter()
            try:
                answer = await self.pub.answer(decisions.mistyped, [topology.OUT_JUDGING], MISTYPED_TIMEOUT)
            except TimeoutError:
                answer = None
            self.sent["mistyped"] = (answer, time.perf_counter() - started)
        await self.tick("nomination closed")
        await self.tick("nominees published")
        expecting = [e.id for e in decisions.events if b"nomination_withdrawn" not in e.body]
        answered = self.bar("panel nominations answered", len(expecting))
        await self.wait(lambda: state.nominees is not None and all(i in state.causes for i in expecting), "the nominee list",
                        (answered, lambda: sum(i in state.causes for i in expecting)))  # fmt: skip

    # --- 3. a month of voting -------------------------------------------------------

    async def voting(self, weeks: Iterator[list[bytes]]) -> None:
        """Week by week: the week's ballots (published as soon as they are made), then the tick at its end.

        A tick is published once the week's ballots are all answered, on a
        quiet ballot stream. The next week's ballots follow it at once: timed
        after the week's end, they never count in its report, and the voting
        service holds its ballots while it makes one; the demo then waits for
        the report while the service has them in hand.
        """
        state, calendar = self.watch.state, self.sim.contest.voting_weeks
        ballots = self.sent["ballots"] = Ballots(self.sim.seed, [])
        answered = self.bar("ballots answered", len(self.sim.ballot_plan.rows))
        reports = self.bar("weekly reports and the close", len(calendar) + 1)
        bars = ((answered, lambda: len(state.answers)), (reports, lambda: len(state.progress) + (state.closed is not None)))
        making = asyncio.ensure_future(asyncio.to_thread(next, weeks))
        reporting: int | None = None  # the week whose report is being made
        for number in range(1, len(calendar) + 2):
            bodies = await making
            if number <= len(calendar):  # make the next week while the services take this one
                making = asyncio.ensure_future(asyncio.to_thread(next, weeks))
            ballots.weeks.append(bodies)
            self.published[topology.IN_BALLOTS] += await self.pub.xadd(topology.IN_BALLOTS, bodies)
            if reporting is not None:
                await self.report(reporting, bars)
                reporting = None
            if number < len(calendar):  # the last week's tick comes after the ballots cast too late
                await self.week_end(number, ballots.count, bars)
                reporting = number
        answered.total(ballots.count)
        await self.week_end(len(calendar), ballots.count, bars)
        await self.report(len(calendar), bars)
        await self.wait(lambda: state.closed is not None, "the close of voting", *bars)

    async def week_end(self, week: int, cast: int, bars: tuple[tuple[Bar, Callable[[], int]], ...]) -> None:
        """The week's ballots all answered, then its tick."""
        state = self.watch.state
        await self.wait(lambda: len(state.answers) >= cast, f"the ballots of week {week}", *bars)
        await self.watch.settled(topology.IN_BALLOTS, "voting", PHASE_TIMEOUT)
        await self.tick(f"week {week}")

    async def report(self, week: int, bars: tuple[tuple[Bar, Callable[[], int]], ...]) -> None:
        state = self.watch.state
        await self.wait(lambda: week in state.progress, f"the progress report of week {week}", *bars)

    # --- 4. winners, 5. the ceremony, and the emails ------------------------------------

    async def judging(self) -> None:
        state = self.watch.state
        finalists = {c: list(r["finalists"]) for c, r in sorted((state.closed or {}).items())}
        decisions = self.sim.selections(finalists)
        self.sent["selections"] = decisions
        await self.publish(decisions.events)
        await self.tick("winner selection closed")
        answered = self.bar("winner selections the rules refuse", decisions.refusals)
        last = decisions.events[-1].id if decisions.events else None
        await self.wait(lambda: last is None or (last in state.causes and state.winner_refusals.total() >= decisions.refusals),
                        "the panel's winner selections", (answered, lambda: state.winner_refusals.total()))  # fmt: skip

    async def ceremony(self) -> None:
        event = self.sim.ceremony()
        await self.pub.request(event.stream, event.body, event.id, [topology.OUT_JUDGING], PHASE_TIMEOUT)  # the awards
        self.published[event.stream] += 1
        await self.wait(lambda: self.watch.state.awards is not None, "the awards")

    async def emails(self, expected: Counter[str]) -> None:
        state = self.watch.state
        self.sent["emails"] = expected
        sent = self.bar("emails sent", sum(expected.values()))
        def told() -> int:  # the expected occasions: a verdict change's email comes on top, where timing sends one
            return sum(n for occasion, n in (state.sent + state.failed).items() if occasion in expected)

        await self.wait(lambda: told() >= expected.total(), "every email", (sent, told))


def nominees_of(listed: dict[int, list[dict[str, str]]]) -> dict[int, list[Nominee]]:
    return {c: [Nominee(n["submission_id"], n["entity_id"]) for n in names] for c, names in sorted(listed.items())}
