"""The judging service's routes: each inbound event type to its application step."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from services.judging import store
from services.judging.nominating import Nominations
from services.judging.selecting import Selections
from shared import topology
from shared.context import Effects, ServiceContext
from shared.envelope import CloudEvent
from shared.events import T


class JudgingHandler:
    tables = store.TABLES
    accepts = topology.JUDGING.accepts

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.nominations = Nominations(ctx)
        self.selections = Selections(ctx)
        self.routes: dict[str, Callable[[Session, CloudEvent], Effects]] = {
            T.SUBMISSION_RECEIVED: self.nominations.on_received,
            T.SUBMISSION_SCREENED: self.nominations.on_screened,
            T.PANEL_NOMINATED: self.nominations.on_nominated,
            T.PANEL_NOMINATION_WITHDRAWN: self.nominations.on_withdrawn,
            T.CLOCK_TICK: self.on_tick,
            T.VOTING_CLOSED: self.selections.on_closed,
            T.PANEL_WINNER_SELECTED: self.selections.on_selected,
            T.PANEL_WINNERS_ANNOUNCED: self.selections.on_announced,
        }

    def handle(self, session: Session, stream: str, event: CloudEvent) -> Effects:
        step = self.routes.get(event.type)
        return step(session, event) if step else []  # a type the topology lets pass

    def on_tick(self, session: Session, tick: CloudEvent) -> Effects:
        """The nomination window's close and the nominee list; then whatever selection still waits."""
        return [*self.nominations.on_tick(session, tick), *self.selections.resolve(session, tick)]
