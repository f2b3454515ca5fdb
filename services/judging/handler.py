"""The judging service's handler: every inbound event type to its place."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from services.judging import store
from services.judging.nominating import Nominations
from services.judging.selecting import Selections
from shared import topology
from shared.envelope import CloudEvent
from shared.events import T
from shared.runtime import Effects, ServiceContext, types_on

# Accepted on their streams and dropped unread: the ballots' echo is a
# million events a contest, and a rejected entry was never screened.
IGNORED: dict[str, frozenset[str]] = {
    topology.OUT_VOTING: frozenset({T.VOTE_ACCEPTED, T.VOTE_REJECTED, T.VOTING_PROGRESS}),
    topology.OUT_SUBMISSION: frozenset({T.SUBMISSION_REJECTED}),
}


class JudgingHandler:
    tables = store.TABLES
    accepts = types_on(
        [
            (topology.OUT_SUBMISSION, [T.SUBMISSION_RECEIVED, *IGNORED[topology.OUT_SUBMISSION]]),
            (topology.OUT_ELIGIBILITY, [T.SUBMISSION_SCREENED]),
            (topology.IN_PANEL, [T.PANEL_NOMINATED, T.PANEL_NOMINATION_WITHDRAWN, T.PANEL_WINNER_SELECTED, T.PANEL_WINNERS_ANNOUNCED]),
            (topology.OUT_VOTING, [T.VOTING_CLOSED, *IGNORED[topology.OUT_VOTING]]),
            (topology.IN_CLOCK, [T.CLOCK_TICK]),
        ]
    )

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        nominations = Nominations(ctx)
        selections = Selections(ctx)
        self.routes: dict[str, Callable[[Session, CloudEvent], Effects]] = {
            T.SUBMISSION_RECEIVED: nominations.on_received,
            T.SUBMISSION_SCREENED: nominations.on_screened,
            T.PANEL_NOMINATED: nominations.on_nominated,
            T.PANEL_NOMINATION_WITHDRAWN: nominations.on_withdrawn,
            T.CLOCK_TICK: lambda session, tick: [*nominations.on_tick(session, tick), *selections.resolve(session, tick)],
            T.VOTING_CLOSED: selections.on_closed,
            T.PANEL_WINNER_SELECTED: selections.on_selected,
            T.PANEL_WINNERS_ANNOUNCED: selections.on_announced,
        }

    def handle(self, session: Session, stream: str, event: CloudEvent) -> Effects:
        route = self.routes.get(event.type)
        return route(session, event) if route else []
