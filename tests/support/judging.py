"""A judging handler on a SQLite file, driven one event (one transaction) at a time.

The judging handler tests (nominating, selecting) play the other services
and the panel through `Judging`, and read its answers with `only`/`answer`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from services.judging import store
from services.judging.handler import JudgingHandler
from services.judging.store.tables import DecisionOutcome, PanelDecision
from shared import outbox, topology
from shared.contest import load_contest
from shared.db import create_tables, make_engine
from shared.envelope import CloudEvent
from shared.events import T
from shared.runtime import ServiceContext
from shared.settings import Settings

CONTEST = load_contest()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Judging:
    def __init__(self, data_dir: Path, **settings: Any) -> None:
        self.engine = make_engine("judging", data_dir)
        create_tables(self.engine, [*outbox.INFRA_TABLES, *store.TABLES])
        config = Settings(data_dir=data_dir, replay=True, **settings)
        self.ctx = ServiceContext("judging", "wsis-prizes/judging", config, CONTEST, self.engine)
        self.handler = JudgingHandler(self.ctx)

    def restarted(self) -> Judging:
        """A new handler over the same database, as after a restart."""
        again = object.__new__(Judging)
        again.engine, again.ctx, again.handler = self.engine, self.ctx, JudgingHandler(self.ctx)
        return again

    def send(self, stream: str, kind: str, data: dict[str, Any], time: str, id_: str | None = None) -> tuple[CloudEvent, list[tuple[str, CloudEvent]]]:
        event = CloudEvent(specversion="1.0", id=id_ or uuid.uuid4().hex, source="tests", type=kind, time=at(time), data=data)
        with Session(self.engine) as session:
            effects = self.handler.handle(session, stream, event)
            session.commit()
        return event, effects

    # --- the upstream services and the panel, as the tests play them ---------------

    def entry(self, sid: str, category: int = 4, outcome: str = "eligible", title: str | None = None, revision: int = 1) -> None:
        self.receive(sid, category, title, revision)
        self.screen(sid, category, outcome)

    def receive(self, sid: str, category: int = 4, title: str | None = None, revision: int = 1) -> None:
        """The submission service's `received`: the entry exists, its verdict may still be on its way."""
        received = {"submission_id": sid, "entity": {"entity_id": f"org-{sid}"}, "category": category, "title": title or f"Project {sid}", "revision": revision}
        self.send(topology.OUT_SUBMISSION, T.SUBMISSION_RECEIVED, received, "2021-01-20T10:00:00Z")

    def screen(self, sid: str, category: int = 4, outcome: str = "eligible") -> list[tuple[str, CloudEvent]]:
        screened = {"submission_id": sid, "entity_id": f"org-{sid}", "category": category, "outcome": outcome, "rules": [], "nominable": outcome == "eligible"}
        return self.send(topology.OUT_ELIGIBILITY, T.SUBMISSION_SCREENED, screened, "2021-01-20T10:00:01Z")[1]

    def nominate(self, sid: str, category: int = 4, time: str = "2021-02-10T10:00:00Z", **extra: Any):
        data = {"submission_id": sid, "category": category, "panel_member_id": "m-7", **extra}
        return self.send(topology.IN_PANEL, T.PANEL_NOMINATED, data, time)

    def withdraw(self, sid: str, time: str = "2021-02-12T10:00:00Z"):
        return self.send(topology.IN_PANEL, T.PANEL_NOMINATION_WITHDRAWN, {"submission_id": sid, "panel_member_id": "m-7"}, time)

    def tick(self, time: str) -> list[tuple[str, CloudEvent]]:
        return self.send(topology.IN_CLOCK, T.CLOCK_TICK, {}, time, id_=f"tick-{time}")[1]

    def close_voting(self, finalists: dict[int, list[str]]) -> list[tuple[str, CloudEvent]]:
        categories = [{"category": c, "finalists": f, "tally": [{"project_id": p, "votes": 10 - i} for i, p in enumerate(f)], "ties": []} for c, f in finalists.items()]
        return self.send(topology.VOTING_REPORTS, T.VOTING_CLOSED, {"as_of": "2021-03-31T21:00:00Z", "ballots_root": "0000000000000000000000000000000000000000000000000000000000000000", "categories": categories}, "2021-03-31T21:00:00Z")[1]

    def select(self, category: int, sid: str, time: str = "2021-04-05T10:00:00Z"):
        return self.send(topology.IN_PANEL, T.PANEL_WINNER_SELECTED, {"category": category, "submission_id": sid, "panel_member_id": "m-7"}, time)

    def announce(self, time: str = "2021-05-18T12:00:00Z"):
        return self.send(topology.IN_PANEL, T.PANEL_WINNERS_ANNOUNCED, {}, time)

    # --- what it stored -------------------------------------------------------------

    def audit(self) -> list[tuple[PanelDecision, DecisionOutcome | None]]:
        with Session(self.engine) as session:
            rows = session.exec(select(PanelDecision).order_by(PanelDecision.seq)).all()
            return [(row, session.get(DecisionOutcome, row.seq)) for row in rows]


def only(effects: list[tuple[str, CloudEvent]]) -> tuple[str, CloudEvent]:
    assert len(effects) == 1, effects
    return effects[0]


def answer(effects: list[tuple[str, CloudEvent]]) -> tuple[str, dict[str, Any]]:
    """The type and data of the one event published."""
    _, event = only(effects)
    return event.type, event.data
