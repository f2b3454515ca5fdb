"""The judging service's store: its tables (`tables.py`) and the queries over them (here).

The audit trail has inserts only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from services.judging.domain.nominations import Verdict
from services.judging.store import tables as t
from shared.envelope import CloudEvent
from shared.events import Nominee, SubmissionScreened, T, VotingClosed
from shared.outbox import event_key

TABLES = t.TABLES

PUBLISHED = "nominations_published"
WINDOW_CLOSED = "nomination_window_closed"
VOTING_CLOSED = "voting_closed"
ANNOUNCED = "awards_announced"


def now() -> datetime:
    return datetime.now(UTC)


# --- milestones ----------------------------------------------------------------


def reached(session: Session, name: str) -> bool:
    return session.get(t.Milestone, name) is not None


def reach(session: Session, name: str, event: CloudEvent) -> None:
    session.add(t.Milestone(name=name, event_id=event.id, at=event.time))
    session.flush()


# --- the audit trail -----------------------------------------------------------


def add_decision(session: Session, event: CloudEvent, *, member: str | None, sid: str | None, category: int | None) -> int:
    row = t.PanelDecision(
        event_key=event_key(event), event_id=event.id, kind=event.type, panel_member_id=member, submission_id=sid,
        category=category, decided_at=event.time, received_at=now(), event=event.to_json().decode(),
    )
    session.add(row)
    session.flush()
    assert row.seq is not None
    return row.seq


def settle(session: Session, seq: int, outcome: str, settled_by: CloudEvent, *, reason: str | None = None, why: str | None = None) -> None:
    session.add(t.DecisionOutcome(decision_seq=seq, outcome=outcome, reason=reason, why=why, settled_by=event_key(settled_by), settled_at=now()))


def decision_event(session: Session, seq: int) -> CloudEvent:
    row = session.get(t.PanelDecision, seq)
    assert row is not None, f"no panel decision {seq}"
    return CloudEvent.model_validate_json(row.event)


# --- decisions that wait -------------------------------------------------------


def hold(session: Session, seq: int, queue: str, kind: str, sid: str | None) -> None:
    session.add(t.HeldDecision(decision_seq=seq, queue=queue, kind=kind, submission_id=sid))


def release(session: Session, seq: int) -> None:
    session.exec(delete(t.HeldDecision).where(col(t.HeldDecision.decision_seq) == seq))


def waiting(session: Session, queue: str, before: int | None = None) -> bool:
    """Does a decision wait in `queue` (one sent before decision `before`)?"""
    query = select(t.HeldDecision.decision_seq).where(t.HeldDecision.queue == queue)
    if before is not None:
        query = query.where(col(t.HeldDecision.decision_seq) < before)
    return session.exec(query.limit(1)).first() is not None


def pending(session: Session, category: int, before: int) -> int:
    """Nominations in `category`, sent before decision `before`, still waiting for their entry's facts."""
    query = (
        select(func.count())
        .select_from(t.HeldDecision)
        .join(t.PanelDecision, col(t.PanelDecision.seq) == col(t.HeldDecision.decision_seq))
        .where(col(t.HeldDecision.queue).startswith("nomination:"), t.PanelDecision.category == category)
        .where(t.HeldDecision.kind == T.PANEL_NOMINATED, col(t.HeldDecision.decision_seq) < before)
    )
    return session.exec(query).one()


def move(session: Session, seq: int, queue: str) -> None:
    """A waiting decision goes on waiting in another queue (its place there is its seq)."""
    row = session.get(t.HeldDecision, seq)
    assert row is not None, f"decision {seq} does not wait"
    row.queue = queue
    session.add(row)
    session.flush()


def head(session: Session, queue: str) -> t.HeldDecision | None:
    """The first decision waiting in `queue`."""
    query = select(t.HeldDecision).where(t.HeldDecision.queue == queue).order_by(col(t.HeldDecision.decision_seq)).limit(1)
    return session.exec(query).first()


def has_verdict(session: Session, sid: str | None) -> bool:
    return sid is not None and session.get(t.EntryVerdict, sid) is not None


def queues(session: Session, *, prefix: str = "", submission_id: str | None = None) -> list[str]:
    query = select(t.HeldDecision.queue).distinct().where(col(t.HeldDecision.queue).startswith(prefix))
    if submission_id is not None:
        query = query.where(t.HeldDecision.submission_id == submission_id)
    return sorted(session.exec(query).all())


def waiting_for(session: Session, sid: str, kind: str, before: int) -> str | None:
    """The queue of a waiting decision of type `kind` about entry `sid`, sent before `before`."""
    query = (
        select(t.HeldDecision.queue)
        .join(t.PanelDecision, col(t.PanelDecision.seq) == col(t.HeldDecision.decision_seq))
        .where(t.HeldDecision.submission_id == sid, t.PanelDecision.kind == kind, col(t.HeldDecision.decision_seq) < before)
        .limit(1)
    )
    return session.exec(query).first()


# --- upstream facts ------------------------------------------------------------


def verdict(session: Session, sid: str) -> Verdict | None:
    row = session.get(t.EntryVerdict, sid)
    return Verdict(row.entity_id, row.category, row.outcome, row.nominable) if row else None


def received(session: Session, sid: str) -> bool:
    """Has the submission service published the entry (its title, or a verdict on it, is here)?"""
    return session.get(t.EntryTitle, sid) is not None or session.get(t.EntryVerdict, sid) is not None


def save_verdict(session: Session, screened: SubmissionScreened) -> None:
    """The latest verdict replaces the one before (a re-screen, an amendment, a staff decision)."""
    row = session.get(t.EntryVerdict, screened.submission_id) or t.EntryVerdict(submission_id=screened.submission_id, entity_id="", category=0, outcome="", nominable=False)
    row.entity_id, row.category, row.outcome, row.nominable = screened.entity_id, screened.category, screened.outcome, screened.nominable
    session.add(row)


def save_title(session: Session, sid: str, entity_id: str, title: str, revision: int) -> None:
    """The latest revision wins; a stale one (a redelivery) changes nothing."""
    row = session.get(t.EntryTitle, sid)
    if row is not None and row.revision >= revision:
        return
    row = row or t.EntryTitle(submission_id=sid, entity_id=entity_id, title=title, revision=revision)
    row.entity_id, row.title, row.revision = entity_id, title, revision
    session.add(row)


def save_finalists(session: Session, closed: VotingClosed) -> None:
    for result in closed.categories:
        session.add(t.Finalists(category=result.category, finalists=list(result.finalists), ties=list(result.ties)))


def finalists(session: Session) -> dict[int, list[str]]:
    return {row.category: list(row.finalists) for row in session.exec(select(t.Finalists)).all()}


def finalists_of(session: Session, category: int) -> tuple[str, ...]:
    row = session.get(t.Finalists, category)
    return tuple(row.finalists) if row else ()


# --- nominee places and winners ------------------------------------------------


def place_of(session: Session, sid: str) -> t.NomineePlace | None:
    return session.get(t.NomineePlace, sid)


def filled(session: Session, category: int) -> int:
    return session.exec(select(func.count()).select_from(t.NomineePlace).where(t.NomineePlace.category == category)).one()


def take_place(session: Session, sid: str, category: int, seq: int) -> None:
    taken = set(session.exec(select(t.NomineePlace.place).where(t.NomineePlace.category == category)).all())
    place = next(p for p in range(1, len(taken) + 2) if p not in taken)
    session.add(t.NomineePlace(submission_id=sid, category=category, place=place, decision_seq=seq))
    session.flush()  # the unique constraints speak now, not at commit


def free_place(session: Session, sid: str) -> None:
    session.exec(delete(t.NomineePlace).where(col(t.NomineePlace.submission_id) == sid))


def nominees(session: Session) -> tuple[dict[int, list[Nominee]], list[str]]:
    """Each category's nominees in the order the panel named them, and the
    entries whose title has not arrived yet."""
    query = (
        select(t.NomineePlace, t.EntryVerdict, t.EntryTitle)
        .join(t.EntryVerdict, col(t.EntryVerdict.submission_id) == col(t.NomineePlace.submission_id), isouter=True)
        .join(t.EntryTitle, col(t.EntryTitle.submission_id) == col(t.NomineePlace.submission_id), isouter=True)
        .order_by(col(t.NomineePlace.decision_seq))
    )
    found: dict[int, list[Nominee]] = defaultdict(list)
    missing: list[str] = []
    for place, verdict_row, title in session.exec(query).all():
        if title is None:
            missing.append(place.submission_id)
            continue
        entity_id = verdict_row.entity_id if verdict_row else title.entity_id
        found[place.category].append(Nominee(submission_id=place.submission_id, entity_id=entity_id, title=title.title))
    return dict(found), missing


def winner_of(session: Session, category: int) -> str | None:
    row = session.get(t.CategoryWinner, category)
    return row.submission_id if row else None


def record_winner(session: Session, category: int, sid: str, seq: int) -> None:
    session.add(t.CategoryWinner(category=category, submission_id=sid, decision_seq=seq))
    session.flush()  # the primary key speaks now: once per category, across replicas


def winners(session: Session) -> dict[int, str]:
    return {row.category: row.submission_id for row in session.exec(select(t.CategoryWinner)).all()}
