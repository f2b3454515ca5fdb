"""Who reads and writes what: the one declaration of the system's topology.

Every stream of the contract (CONTRACT 4), every service's inputs (the event
types it handles and those it lets pass), its output streams and the types
it publishes, and every outside publisher's grants are declared here, once.
The subscribers, the runtime's accept and pass lists, the Redis ACL users,
the AsyncAPI documents and the README's services table are derived from it
(`tests/unit/test_topology.py` fails when one of them disagrees).

Nothing else in `services/` or `shared/` spells a stream's name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from shared.events import T

# --- the streams (CONTRACT 4) ---------------------------------------------------

IN_SUBMISSIONS = "wsis:in:submissions"
IN_STAKEHOLDERS = "wsis:in:stakeholders"
IN_BALLOTS = "wsis:in:ballots"
IN_PANEL = "wsis:in:panel"
IN_CLOCK = "wsis:in:clock"
IN_STAFF = "wsis:in:staff"
OUT_SUBMISSION = "wsis:out:submission"
OUT_ELIGIBILITY = "wsis:out:eligibility"
OUT_VOTING = "wsis:out:voting"
OUT_JUDGING = "wsis:out:judging"
SEALED_JUDGING = "wsis:sealed:judging"
OUT_NOTIFY = "wsis:out:notify"
DEADLETTER = "wsis:deadletter"
# Staff's own bookkeeping of replayed dead letters (a hash, not a stream).
DEADLETTER_REPLAYED = "wsis:deadletter:replayed"

# The project's own (CONTRACT: "Internal streams and events beyond it are the project's own design").
VOTING_REPORTS = "wsis:internal:voting-reports"

INBOUND = (IN_SUBMISSIONS, IN_STAKEHOLDERS, IN_BALLOTS, IN_PANEL, IN_CLOCK, IN_STAFF)
OUTBOUND = (OUT_SUBMISSION, OUT_ELIGIBILITY, OUT_VOTING, OUT_JUDGING, SEALED_JUDGING, OUT_NOTIFY)
INTERNAL = (VOTING_REPORTS,)
ALL = (*INBOUND, *OUTBOUND, *INTERNAL, DEADLETTER)


@dataclass(frozen=True)
class Stream:
    """A stream: who writes it and the event types it carries.

    An internal stream with `copy_of` is a copy of those types of that
    stream: each is appended to both when it is published
    (`shared.effects.outgoing`), so services that need the few of them read
    a short stream instead of the million others.
    """

    name: str
    writer: str
    types: tuple[str, ...]
    description: str
    copy_of: str | None = None


STREAMS: Mapping[str, Stream] = {
    s.name: s
    for s in (
        Stream(IN_SUBMISSIONS, "submission platform", (T.SUBMISSION_SUBMITTED,), "Project entries and their amendments"),
        Stream(IN_STAKEHOLDERS, "member registry", (T.STAKEHOLDER_REGISTERED,), "Members of the stocktaking platform"),
        Stream(IN_BALLOTS, "voting front end", (T.BALLOT_CAST,), "Public ballots, by the million"),
        Stream(
            IN_PANEL, "expert group tool, staff",
            (T.PANEL_NOMINATED, T.PANEL_NOMINATION_WITHDRAWN, T.PANEL_WINNER_SELECTED, T.PANEL_WINNERS_ANNOUNCED),
            "The expert group's nominations, withdrawals and winners; the ceremony",
        ),
        Stream(IN_CLOCK, "ticker, replays", (T.CLOCK_TICK,), "Clock ticks: the time-driven work falls due on them"),
        Stream(
            IN_STAFF, "the WSIS team's console", (T.STAFF_SCREENING_DECIDED, T.STAFF_VOTES_ANNULLED),
            "Staff decisions on screening and vote annulments",
        ),
        Stream(
            OUT_SUBMISSION, "submission", (T.SUBMISSION_RECEIVED, T.SUBMISSION_REJECTED),
            "Entries as stored (after commit), or why they do not fit the schema",
        ),
        Stream(
            OUT_ELIGIBILITY, "eligibility", (T.SUBMISSION_SCREENED, T.SCREENING_REFUSED),
            "One verdict per entry and per amendment, and again when an earlier entry changes it",
        ),
        Stream(
            OUT_VOTING, "voting",
            (T.VOTE_ACCEPTED, T.VOTE_REJECTED, T.VOTING_PROGRESS, T.VOTING_CLOSED, T.VOTES_ANNULLED, T.ANNULMENT_REFUSED),
            "Each ballot's answer, weekly progress, the close of voting",
        ),
        Stream(
            OUT_JUDGING, "judging",
            (T.NOMINATION_RECORDED, T.NOMINATION_REFUSED, T.NOMINATIONS_PUBLISHED, T.WINNER_REFUSED, T.AWARDS_ANNOUNCED),
            "Nominations recorded or refused, the nominee list, refused winner selections, the awards",
        ),
        Stream(
            SEALED_JUDGING, "judging", (T.WINNER_RECORDED,),
            "Recorded winners, under embargo: readable by the notify service alone",
        ),
        Stream(
            OUT_NOTIFY, "notify", (T.NOTIFICATION_SENT, T.NOTIFICATION_FAILED),
            "Each email sent or given up on; the winner contact's only after the ceremony",
        ),
        Stream(DEADLETTER, "any service", (T.DEADLETTER,), "Entries that could not be read as a CloudEvent of their stream"),
    )
}
INTERNAL_STREAMS: Mapping[str, Stream] = {
    s.name: s
    for s in (
        Stream(
            VOTING_REPORTS, "voting", (T.VOTING_PROGRESS, T.VOTING_CLOSED),
            "Weekly progress and the close of voting, as on wsis:out:voting, without the ballots' answers",
            copy_of=OUT_VOTING,
        ),
    )
}
# Every stream, the contract's and the internal ones.
DECLARED: Mapping[str, Stream] = {**STREAMS, **INTERNAL_STREAMS}
# Per stream, the internal streams copying some of its types.
COPIES: Mapping[str, tuple[Stream, ...]] = {
    source: tuple(s for s in INTERNAL_STREAMS.values() if s.copy_of == source)
    for source in {s.copy_of for s in INTERNAL_STREAMS.values() if s.copy_of}
}


# --- the services ---------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """An input stream of a service: the types it handles and those it lets pass.

    A passed type is accepted (acknowledged, never dead-lettered) and dropped
    unread; any other type on the stream is dead-lettered.
    """

    stream: str
    handles: frozenset[str]
    passes: frozenset[str] = frozenset()
    description: str = ""
    # Other inputs handled up to a batch of this one before it is (`shared.drain`):
    # a fact published before an event is then known when the event is decided.
    drained_first: tuple[str, ...] = ()
    # A stream of a million entries (ballots, members, the ballots' answers): read by the
    # runtime's hot-path mode (`shared.lane`) rather than a FastStream subscriber.
    bulk: bool = False

    @property
    def accepts(self) -> frozenset[str]:
        return self.handles | self.passes


@dataclass(frozen=True)
class Output:
    stream: str
    types: tuple[str, ...]


@dataclass(frozen=True)
class Service:
    name: str
    inputs: tuple[Input, ...]
    outputs: tuple[Output, ...]
    # Inputs a clock tick waits for: handled up to the tick before it is (DESIGN, order across streams).
    drained_before_tick: tuple[str, ...] = ()
    # Inputs whose batches are handled one at a time across them, from the drain to the
    # publish: their answers reach the output stream in the order of their commits.
    serial: tuple[str, ...] = ()
    description: str = ""
    # Appends a batch's answers with one script call (`shared/bus.py` XADD_RUN):
    # the ballots' hot path alone; every other user runs no script (CONTRACT 4).
    scripts: bool = False

    @property
    def accepts(self) -> dict[str, frozenset[str]]:
        """Per input stream, every type that is not dead-lettered."""
        return {i.stream: i.accepts for i in self.inputs}

    @property
    def handles(self) -> dict[str, frozenset[str]]:
        return {i.stream: i.handles for i in self.inputs}

    @property
    def passes(self) -> dict[str, frozenset[str]]:
        return {i.stream: i.passes for i in self.inputs if i.passes}

    def input(self, stream: str) -> Input:
        return next(i for i in self.inputs if i.stream == stream)

    @property
    def reads(self) -> tuple[str, ...]:
        return tuple(i.stream for i in self.inputs)

    @property
    def writes(self) -> tuple[str, ...]:
        return (*(o.stream for o in self.outputs), DEADLETTER)

    @property
    def publishes(self) -> frozenset[str]:
        return frozenset(t for o in self.outputs for t in o.types)


def _in(stream: str, handles: tuple[str, ...], passes: tuple[str, ...] = (), description: str = "", bulk: bool = False) -> Input:
    return Input(stream, frozenset(handles), frozenset(passes), description, bulk=bulk)


# Answers to staff (CONTRACT 5.1) that readers of that stream let pass.
SCREENING_ANSWERS = (T.SCREENING_REFUSED,)

SUBMISSION = Service(
    "submission",
    (_in(IN_SUBMISSIONS, (T.SUBMISSION_SUBMITTED,), description="Project entries from the submission platform"),),
    (Output(OUT_SUBMISSION, (T.SUBMISSION_RECEIVED, T.SUBMISSION_REJECTED)),),
    description="Intake: checks each entry and amendment against the schema and stores it durably",
)
ELIGIBILITY = Service(
    "eligibility",
    (
        _in(OUT_SUBMISSION, (T.SUBMISSION_RECEIVED,), (T.SUBMISSION_REJECTED,), "Entries as stored: each is screened"),
        _in(IN_STAFF, (T.STAFF_SCREENING_DECIDED,), (T.STAFF_VOTES_ANNULLED,), "Staff decisions on screening (annulments pass)"),
    ),
    (Output(OUT_ELIGIBILITY, (T.SUBMISSION_SCREENED, T.SCREENING_REFUSED)),),
    description="Screens every entry and amendment: submission rules S2-S11, nomination pre-checks N1, N3",
)
VOTING = Service(
    "voting",
    (
        _in(IN_STAKEHOLDERS, (T.STAKEHOLDER_REGISTERED,), description="Members: who may vote", bulk=True),
        _in(IN_BALLOTS, (T.BALLOT_CAST,), description="Ballots: the hot path", bulk=True),
        _in(
            OUT_SUBMISSION, (T.SUBMISSION_RECEIVED,), (T.SUBMISSION_REJECTED,),
            "Entries as stored: the organisations that submitted or own each project (V3); never the coordinator",
        ),
        _in(IN_CLOCK, (T.CLOCK_TICK,), description="Ticks: weekly progress and the close"),
        _in(
            OUT_JUDGING, (T.NOMINATIONS_PUBLISHED,),
            (T.NOMINATION_RECORDED, T.NOMINATION_REFUSED, T.WINNER_REFUSED, T.AWARDS_ANNOUNCED),
            "The nominee list (other judging events pass)",
        ),
        Input(
            IN_STAFF, frozenset((T.STAFF_VOTES_ANNULLED,)), frozenset((T.STAFF_SCREENING_DECIDED,)),
            "Staff annulments of votes (screening decisions pass)",
            # A ballot published before the annulment is answered before it; later ones find the voter suspended.
            drained_first=(IN_BALLOTS,),
        ),
    ),
    (Output(OUT_VOTING, STREAMS[OUT_VOTING].types), Output(VOTING_REPORTS, INTERNAL_STREAMS[VOTING_REPORTS].types)),
    drained_before_tick=(IN_BALLOTS,),
    # A report and an annulment change what counts: one at a time, so their answers
    # are on the stream in the order the database took them.
    serial=(IN_CLOCK, IN_STAFF),
    description="Ballot rules V2-V5, staff annulments, weekly tallies, the finalists at the close of voting",
    scripts=True,
)
JUDGING = Service(
    "judging",
    (
        _in(OUT_SUBMISSION, (T.SUBMISSION_RECEIVED,), (T.SUBMISSION_REJECTED,), "Entries as received: titles for the nominee list"),
        _in(OUT_ELIGIBILITY, (T.SUBMISSION_SCREENED,), SCREENING_ANSWERS, "Screened verdicts: who may be nominated"),
        Input(
            IN_PANEL,
            frozenset((T.PANEL_NOMINATED, T.PANEL_NOMINATION_WITHDRAWN, T.PANEL_WINNER_SELECTED, T.PANEL_WINNERS_ANNOUNCED)),
            description="The expert group's nominations, withdrawals, winners; the ceremony",
            # An entry not received before its nomination arrived never was (CONTRACT 5.3: refused at once);
            # a verdict published before it is known when it is decided.
            drained_first=(OUT_SUBMISSION, OUT_ELIGIBILITY),
        ),
        _in(VOTING_REPORTS, (T.VOTING_CLOSED,), (T.VOTING_PROGRESS,), "The close of voting (each category's finalists)"),
        _in(IN_CLOCK, (T.CLOCK_TICK,), description="Ticks: the nomination window's close, the nominee list"),
    ),
    (
        Output(OUT_JUDGING, STREAMS[OUT_JUDGING].types),
        Output(SEALED_JUDGING, (T.WINNER_RECORDED,)),
    ),
    # The ballots' echo is not among them: a tick's work does not depend on it.
    drained_before_tick=(OUT_SUBMISSION, OUT_ELIGIBILITY, IN_PANEL),
    description="The expert group's nominations and winners: quotas, finality, the embargo",
)
NOTIFY = Service(
    "notify",
    (
        _in(OUT_SUBMISSION, (T.SUBMISSION_RECEIVED,), (T.SUBMISSION_REJECTED,), "Coordinators' addresses"),
        _in(OUT_ELIGIBILITY, (T.SUBMISSION_SCREENED,), SCREENING_ANSWERS, "Verdicts to acknowledge"),
        _in(
            OUT_JUDGING, (T.NOMINATIONS_PUBLISHED, T.AWARDS_ANNOUNCED),
            (T.NOMINATION_RECORDED, T.NOMINATION_REFUSED, T.WINNER_REFUSED),
            "Nominee list, awards",
        ),
        _in(SEALED_JUDGING, (T.WINNER_RECORDED,), description="The confidential winner contact"),
        _in(VOTING_REPORTS, (T.VOTING_PROGRESS, T.VOTING_CLOSED), description="Weekly progress, the close of voting"),
    ),
    (Output(OUT_NOTIFY, (T.NOTIFICATION_SENT, T.NOTIFICATION_FAILED)),),
    description="Tells coordinators and the panel what was decided, exactly once, by email",
)

SERVICES: Mapping[str, Service] = {s.name: s for s in (SUBMISSION, ELIGIBILITY, VOTING, JUDGING, NOTIFY)}


def stale_groups(stream: str, groups: Iterable[str]) -> list[str]:
    """The consumer groups on `stream` named after a service that no longer reads it: an earlier
    release's (judging and notify read the reports on `wsis:out:voting` before `VOTING_REPORTS`)."""
    return [g for g in groups if g in SERVICES and stream not in SERVICES[g].reads]


# --- the Redis users --------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """A Redis ACL user's keys: streams it reads, streams it appends to.

    `group` users consume their reads in a consumer group (XREADGROUP, XACK,
    XAUTOCLAIM); the others read with XREAD and XRANGE only.
    """

    user: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    group: bool = True
    description: str = ""
    scripts: bool = False  # EVAL on its writes only (never on what it reads)


SERVICE_GRANTS: tuple[Grant, ...] = tuple(Grant(s.name, s.reads, s.writes, scripts=s.scripts) for s in SERVICES.values())
TICKER = Grant("ticker", (), (IN_CLOCK,), group=False, description="`wsis up`'s clock")

# CONTRACT 4, "Publishers' access": each outside system as a user of its own.
PUBLISHERS: tuple[Grant, ...] = (
    Grant("platform", (OUT_SUBMISSION, OUT_ELIGIBILITY), (IN_SUBMISSIONS,), group=False, description="submission platform"),
    Grant("registry", (), (IN_STAKEHOLDERS,), group=False, description="member registry"),
    Grant("frontend", (OUT_VOTING, OUT_JUDGING), (IN_BALLOTS,), group=False, description="voting front end"),
    Grant("panel", (OUT_JUDGING, OUT_ELIGIBILITY, OUT_VOTING), (IN_PANEL,), group=False, description="expert group's tool"),
    Grant(
        "console", tuple(s for s in STREAMS if s != SEALED_JUDGING), (IN_STAFF, IN_PANEL), group=False,
        description="the WSIS team's console",
    ),
)


@dataclass(frozen=True)
class Topology:
    streams: Mapping[str, Stream] = field(default_factory=lambda: STREAMS)
    services: Mapping[str, Service] = field(default_factory=lambda: SERVICES)

    def readers(self, stream: str) -> list[str]:
        """The services that consume `stream` in a group of their own."""
        return [s.name for s in self.services.values() if stream in s.reads]

    def writers(self, stream: str) -> list[str]:
        return [s.name for s in self.services.values() if any(o.stream == stream for o in s.outputs)]


TOPOLOGY = Topology()
