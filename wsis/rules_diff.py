"""`wsis rules diff NEW.yaml`: what an edited contest file would change, before a restart.

The stored entries are read, read-only, from the eligibility service's own
database: it holds each entry's latest revision as screened, the order of
"first entry wins" (first business time, then arrival), the language found
and the verdict now in force. Replaying intake's stream instead would need
that order rebuilt and every language detected again, and could disagree
with what the service holds. The entries are copied into a scratch SQLite
database in memory, indexed with the new S4 parameters, and screened with
the service's own `Screener` and `screen` on the new rule book, so the
answer is exactly what the service would decide. Nothing is written to the
service's database and nothing is published.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from services.eligibility import audit, store
from services.eligibility.domain.entry import EntryRevision
from services.eligibility.domain.screening import screen
from services.eligibility.rulebook import load_rule_book
from services.eligibility.screener import Screener, machine_verdict
from shared.contest import Contest
from shared.db import create_tables


class NoEntries(RuntimeError):
    """No eligibility database to read."""


@dataclass(frozen=True, slots=True)
class RuleChange:
    rule: str
    before: str  # pass | fail | review | absent
    after: str
    reason: str  # the new reason (the old one when the rule is gone)


@dataclass(frozen=True, slots=True)
class Change:
    submission_id: str
    revision: int
    before: str
    after: str
    nominable: tuple[bool, bool]
    rules: tuple[RuleChange, ...]
    staff_outcome: str | None = None  # a staff decision on this revision stands against a re-screen


def compare(submission_id: str, revision: int, old: dict, new: dict) -> Change | None:
    """Pure: the stored verdict against the new one; None when outcome, nominable and every rule's result agree."""
    was = {r["rule"]: r for r in old.get("rules", [])}
    now = {r["rule"]: r for r in new.get("rules", [])}
    rules = []
    for rule in [*now, *(r for r in was if r not in now)]:
        before, after = was.get(rule, {}).get("result", "absent"), now.get(rule, {}).get("result", "absent")
        if before != after:
            rules.append(RuleChange(rule, before, after, (now.get(rule) or was[rule]).get("reason", "")))
    same = old.get("outcome") == new["outcome"] and old.get("nominable") == new["nominable"]
    if same and not rules:
        return None
    return Change(submission_id, revision, str(old.get("outcome", "unscreened")), new["outcome"],
                  (bool(old.get("nominable")), bool(new["nominable"])), tuple(rules))  # fmt: skip


def read_only_engine(data_dir: Path, database_url: str | None) -> Engine:
    """The eligibility database, opened so that it cannot be written."""
    if database_url and database_url.startswith("postgres"):
        url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
        options = "-csearch_path=eligibility -cdefault_transaction_read_only=on"
        return create_engine(url, hide_parameters=True, connect_args={"options": options})
    path = Path(database_url.removeprefix("sqlite:///")) if database_url else Path(data_dir) / "db" / "eligibility.sqlite"
    if not path.is_file():
        raise NoEntries(f"nothing to compare: no eligibility database at {path}")
    return create_engine(f"sqlite:///file:{path.resolve()}?mode=ro&uri=true", hide_parameters=True)


def scratch_engine() -> Engine:
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    create_tables(engine, store.TABLES)
    return engine


def _copy(row: store.EntryRow, screener: Screener, redetect: bool) -> store.EntryRow:
    """The stored row as the service would hold it under the new rules (signature, language)."""
    entry = EntryRevision.model_validate(row.data)
    return store.EntryRow(submission_id=row.submission_id, revision=row.revision, entity_id=row.entity_id, category=row.category,
                          first_us=row.first_us, arrival=row.arrival, content=row.content, fingerprint=row.fingerprint,
                          signature=screener.signature_of(row.content), language=screener.language_of(entry) if redetect else row.language,
                          data=row.data, verdict=row.verdict)  # fmt: skip


def _min_words(contest: Contest | None) -> int | None:
    rule = next((r for r in contest.rules if r.kind == "language" and r.enabled), None) if contest else None
    return rule.params.min_answer_words if rule else None


def rescreen(stored: Iterable[store.EntryRow], new: Contest, current: Contest | None) -> Iterator[Change]:
    """Every stored entry screened with the new contest's rules, in the service's order; the changes."""
    screener = Screener(load_rule_book(new))
    redetect = screener.language_rule is not None and _min_words(new) != _min_words(current)
    with Session(scratch_engine()) as scratch:
        rows = [_copy(row, screener, redetect or (screener.language_rule is not None and not row.language)) for row in stored]
        for row in rows:
            scratch.add(row)
            store.replace_bands(scratch, row.submission_id, [], screener.keys_of(row.signature))
        scratch.flush()
        for row in sorted(rows, key=lambda r: r.order):
            again = screen(EntryRevision.model_validate(row.data), screener.facts(scratch, row), screener.book)
            change = compare(row.submission_id, row.revision, row.verdict, machine_verdict(again))
            if change:
                yield change


@contextmanager
def stored_entries(engine: Engine) -> Iterator[tuple[list[store.EntryRow], Session]]:
    with Session(engine) as session:
        rows = list(store.all_rows(session))
        for row in rows:
            session.expunge(row)  # the rows leave the service's database untouched
        yield rows, session


def staff_outcome(session: Session, change: Change) -> str | None:
    try:
        decided = audit.standing(session, change.submission_id, change.revision)
    except SQLAlchemyError:  # a database from before staff decisions
        session.rollback()
        return None
    return decided.outcome if decided else None


def lines(changes: list[Change], total: int) -> list[str]:
    out = [f"{len(changes)} of {total} stored entries would change (nothing was published)"]
    for c in changes:
        nominable = f", nominable {c.nominable[0]} -> {c.nominable[1]}" if c.nominable[0] != c.nominable[1] else ""
        out.append(f"{c.submission_id} (revision {c.revision}): {c.before} -> {c.after}{nominable}")
        out += [f"  {r.rule}: {r.before} -> {r.after}" + (f": {r.reason}" if r.reason else "") for r in c.rules]
        if c.staff_outcome:
            out.append(f"  a staff decision on this revision stands: the outcome stays {c.staff_outcome}")
    return out

