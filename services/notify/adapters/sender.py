"""The sender loop: claim due notifications, deliver them, record the outcomes.

Sending happens outside the inbound batch's transaction, a batch of
notifications at a time (`Transport.batch`: a few over SMTP, so the
connections share the work; more into the Maildir):

1. claim: `ready` -> `sending` (one conditional UPDATE for the batch, so two
   replicas never take the same row), committed before anything leaves;
2. deliver: SMTP, one message after the other on the task's connection, or
   the Maildir, the batch's files made durable together;
3. record: in one commit for the batch, each row `sent`, `ready` again with
   a backoff, or `failed` after the last try, with its
   `wsis.notification.sent`/`failed` event (published right after, in one
   MULTI/EXEC, and by the runtime's relay after a crash), unless the embargo
   holds it back. Rows a transport did not get to (it lost its connection,
   the service is stopping) go back to `ready` as they were.

`WSIS_NOTIFY_CONNECTIONS` tasks run this loop side by side, each with its
own SMTP connection.

A row left `sending` by a sender that died is taken again once its lease
has run out. The Maildir finds its own earlier delivery and writes nothing;
over SMTP the email goes again with the same Message-ID: the one window
where a coordinator can get a second copy (docs/notify.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import Table, insert, update
from sqlalchemy.exc import StatementError
from sqlmodel import Session, col, select

from services.notify import domain, store
from services.notify.adapters.mail import compose, scrub
from services.notify.adapters.settings import MailSettings
from services.notify.adapters.templates import Templates
from services.notify.adapters.transports import (
    NOT_TRIED,
    Permanent,
    Result,
    Transient,
    Transport,
)
from services.notify.reports import outcome_event, row_fields
from services.notify.store import NOTIFICATION_TABLE as NOTIFICATIONS
from services.notify.store import ContactRow, Notification, NotificationRow, Status
from shared import bus
from shared.logs import get_logger
from shared.outbox import OutboxEvent
from shared.runtime import Service

log = get_logger()
# SQLModel gives a table model its __table__ when the class is made; its type does not declare it.
OUTBOX: Table = OutboxEvent.__table__  # type: ignore[attr-defined]

PER_STEP = 200  # notifications per connection before the loop looks around again


@dataclass(frozen=True, slots=True)
class Outcome:
    row: NotificationRow
    status: Status | None  # None: not tried, back to `ready` as it was
    error: str | None = None


class Sender:
    def __init__(self, service: Service, mail: MailSettings, transport: Callable[[], Transport]) -> None:
        self.service = service
        self.mail = mail
        self.new_transport = transport
        self.templates = Templates(mail.templates)
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._announced = False
        self._relay_needed = False

    async def start(self) -> None:
        self.templates.check()
        self._stopping.clear()
        # One task per SMTP connection; the claim keeps them off each other's rows.
        self._tasks = [asyncio.create_task(self._run(lead=i == 0), name=f"notify-sender-{i}") for i in range(self.mail.connections)]

    async def stop(self) -> None:
        """Let the emails in flight finish and be recorded, then stop."""
        self._stopping.set()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=2 * self.mail.send_timeout_seconds + 5)
            for task in late:  # cannot happen while sends time out; a claim left behind is taken over after its lease
                task.cancel()
            if late:
                log.warning("sender.stop_timed_out", tasks=len(late))

    async def _run(self, lead: bool) -> None:
        while not self._stopping.is_set():
            try:
                handled = await self.step(lead)
            except StatementError as exc:  # its text carries the statement's values: names, addresses
                log.error("sender.error", error=f"{type(exc).__name__}: {type(exc.orig or exc).__name__}")
                handled = 0
            except Exception as exc:  # the sender never stops on an error; it tries again
                log.error("sender.error", error=scrub(f"{type(exc).__name__}: {exc}"))
                handled = 0
            if handled == 0:
                try:
                    await asyncio.wait_for(self._stopping.wait(), self.mail.poll_seconds)
                except TimeoutError:
                    pass

    async def step(self, lead: bool = True) -> int:
        """Deliver what is due; returns how many notifications were handled.

        The lead task also publishes what the embargo released and, after a
        failed publish, what is left in the outbox.
        """
        if lead:
            await self._publish(self._release_held())
            if self._relay_needed:
                await self.service.relay_outbox()
                self._relay_needed = False
        transport = self.new_transport()
        handled = 0
        try:
            while handled < PER_STEP and not self._stopping.is_set():
                claimed = self._claim(min(transport.batch, PER_STEP - handled))
                if not claimed:
                    break
                outcomes = await self._deliver(transport, claimed)
                await self._publish(self._record(outcomes))
                for status in (Status.sent, Status.failed):  # failed for good; a retry later is not counted yet
                    self.service.metrics.emailed(status.value, sum(o.status == status for o in outcomes))
                handled += sum(o.status is not None for o in outcomes)
                if len(outcomes) > sum(o.status is not None for o in outcomes):
                    break  # the transport gave up on the rest: look around first
        finally:
            await transport.close()
        return handled

    async def _publish(self, rows: list[dict[str, Any]]) -> None:
        """Publish the outcome events this task committed; a failure leaves them to the relay."""
        if not rows:
            return
        try:
            await bus.publish_all(self.service.redis, [(r["stream"], r["body"]) for r in rows])
        except RedisError as exc:
            self._relay_needed = True
            log.warning("notification.publish_failed", error=str(exc), pending=len(rows))
            return
        with Session(self.service.ctx.engine) as session:
            ids = [r["id"] for r in rows]
            for start in range(0, len(ids), 500):
                session.execute(update(OUTBOX).where(OUTBOX.c.id.in_(ids[start : start + 500])).values(published=True))
            session.commit()

    # --- claim, deliver, record -------------------------------------------------

    def _claim(self, limit: int) -> list[tuple[NotificationRow, ContactRow]]:
        """Take up to `limit` due notifications (and their coordinators) for this task."""
        now = time.time()
        due = (NOTIFICATIONS.c.status == Status.ready, NOTIFICATIONS.c.next_attempt_at <= now)
        stale = (NOTIFICATIONS.c.status == Status.sending, NOTIFICATIONS.c.claimed_at < now - self.mail.lease_seconds)
        with Session(self.service.ctx.engine) as session:
            taken = [(row, False) for row in self._take(session, due, (NOTIFICATIONS.c.next_attempt_at, NOTIFICATIONS.c.seq), limit)]
            if len(taken) < limit:
                taken += [(row, True) for row in self._take(session, stale, (NOTIFICATIONS.c.seq,), limit - len(taken))]
            if not taken:
                return []
            contacts = store.contact_rows(session, sorted({row.submission_id for row, _ in taken}))
            session.commit()
        taken.sort(key=lambda t: (t[1], t[0].next_attempt_at, t[0].seq or 0))
        for row, resumed in taken:
            assert row.submission_id in contacts, "a notification is due only once its coordinator is known"
            if resumed:
                log.warning("notification.resumed", **row_fields(row, self._announced), note="its sender stopped mid-send")
        return [(row, contacts[row.submission_id]) for row, _ in taken]

    def _take(self, session: Session, where: tuple[Any, ...], order: tuple[Any, ...], limit: int) -> list[NotificationRow]:
        """Claim up to `limit` rows matching `where`, in `order`; the rows taken, as claimed."""
        seqs = list(session.execute(select(NOTIFICATIONS.c.seq).where(*where).order_by(*order).limit(limit)).scalars())
        if not seqs:
            return []
        claimed = session.execute(  # the same conditions again: a row another sender took in between stays theirs
            update(NOTIFICATIONS)
            .where(NOTIFICATIONS.c.seq.in_(seqs), *where)
            .values(status=Status.sending, claimed_by=self.service.consumer, claimed_at=time.time(), attempts=NOTIFICATIONS.c.attempts + 1)
            .returning(*store.NOTIFICATION_COLUMNS)
        )
        return [NotificationRow(*values) for values in claimed]

    async def _deliver(self, transport: Transport, claimed: list[tuple[NotificationRow, ContactRow]]) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        ready: list[tuple[NotificationRow, ContactRow, EmailMessage]] = []
        for row, contact in claimed:
            try:
                ready.append((row, contact, compose(row, contact, self.service.ctx.contest, self.templates, self.mail.sender)))
            except Exception as exc:  # a template error (staff may fix it before the last try), an unusable address
                outcomes[id(row)] = self._failure(row, contact, exc)
        if ready:
            if self._stopping.is_set():
                results: list[Result] = [NOT_TRIED] * len(ready)
            else:
                results = await transport.deliver_all([(row.notification_id or "", message) for row, _, message in ready], self._stopping)
            for (row, contact, _), result in zip(ready, results, strict=True):
                if result is None:
                    outcomes[id(row)] = Outcome(row, Status.sent)
                elif isinstance(result, BaseException):
                    outcomes[id(row)] = self._failure(row, contact, result)
                else:  # NOT_TRIED
                    outcomes[id(row)] = Outcome(row, None)
        return [outcomes[id(row)] for row, _ in claimed]

    def _failure(self, row: NotificationRow, contact: ContactRow, exc: BaseException) -> Outcome:
        personal = (contact.name, contact.email, row.recipient)
        if isinstance(exc, Permanent):
            return Outcome(row, Status.failed, scrub(str(exc), personal))
        error = scrub(str(exc) if isinstance(exc, Transient) else f"{type(exc).__name__}: {exc}", personal)
        return Outcome(row, Status.failed if row.attempts >= self.mail.max_attempts else Status.ready, error)

    def _record(self, outcomes: list[Outcome]) -> list[dict[str, Any]]:
        """Commit the batch's outcomes; returns the outcome events to publish, those the embargo allows.

        Each row changes only while it is still this claim's (`sending`, the
        claim's time): one UPDATE for the rows sent of a claim, one for each
        other outcome; the events go in with one INSERT."""
        events: list[dict[str, Any]] = []
        with Session(self.service.ctx.engine) as session:
            announced = self._announced or store.milestone(session, store.ANNOUNCED) is not None
            sent: dict[tuple[float | None, bool], list[NotificationRow]] = {}
            for outcome in outcomes:
                row = outcome.row
                if outcome.status == Status.sent:
                    sent.setdefault((row.claimed_at, not domain.may_publish(row.confidential, announced)), []).append(row)
                elif self._update(session, row, self._values(row, outcome, announced)):
                    events += self._finish(row, outcome)
            for (claimed_at, held), rows in sent.items():
                values = {"status": Status.sent, "last_error": None, "held": held, "claimed_by": None, "claimed_at": None}
                done = self._update_all(session, [row.seq for row in rows], claimed_at, values)
                for row in rows:
                    if row.seq in done:
                        events += self._finish(row, Outcome(row, Status.sent), held)
            if events:
                session.execute(insert(OUTBOX), events)
            session.commit()
        return events

    def _values(self, row: NotificationRow, outcome: Outcome, announced: bool) -> dict[str, Any]:
        """What a row that was not sent becomes: ready as it was, ready later, or failed."""
        values: dict[str, Any] = {"claimed_by": None, "claimed_at": None}
        if outcome.status is None:
            return {**values, "status": Status.ready, "attempts": NOTIFICATIONS.c.attempts - 1}
        values.update(status=outcome.status, last_error=outcome.error)
        if outcome.status == Status.ready:
            delay = domain.retry_delay(row.attempts, self.mail.backoff_seconds, self.mail.backoff_max_seconds)
            return {**values, "next_attempt_at": time.time() + delay}
        return {**values, "held": not domain.may_publish(row.confidential, announced)}

    def _update(self, session: Session, row: NotificationRow, values: dict[str, Any]) -> bool:
        """One row's outcome, if the row is still this claim's (not taken over after its lease)."""
        if not self._update_all(session, [row.seq], row.claimed_at, values):
            return False
        for name, value in values.items():
            if name != "attempts":
                setattr(row, name, value)
        if "attempts" in values:
            row.attempts -= 1
        return True

    @staticmethod
    def _update_all(session: Session, seqs: list[int | None], claimed_at: float | None, values: dict[str, Any]) -> set[int]:
        """The rows of `seqs` still in this claim set to `values`; their seqs."""
        claimed = session.execute(
            update(NOTIFICATIONS)
            .where(NOTIFICATIONS.c.seq.in_(seqs), NOTIFICATIONS.c.status == Status.sending, NOTIFICATIONS.c.claimed_at == claimed_at)
            .values(**values)
            .returning(NOTIFICATIONS.c.seq)
        )
        return set(claimed.scalars())

    def _finish(self, row: NotificationRow, outcome: Outcome, held: bool | None = None) -> list[dict[str, Any]]:
        """Log a recorded outcome; its event, when there is one to publish now."""
        if outcome.status is None:
            return []
        if outcome.status == Status.ready:
            retry_in = round(row.next_attempt_at - time.time(), 3)
            log.warning("notification.retry", **row_fields(row, self._announced), attempts=row.attempts, retry_in=retry_in, error=outcome.error)
            return []
        row.status, row.last_error, row.claimed_by, row.claimed_at = outcome.status, outcome.error, None, None
        if held is not None:
            row.held = held
        level = log.info if outcome.status == Status.sent else log.error
        level(f"notification.{outcome.status}", **row_fields(row, self._announced), attempts=row.attempts, error=outcome.error)
        return [] if row.held else [outcome_event(row, self.service.source)]

    # --- the embargo ------------------------------------------------------------

    def _release_held(self) -> list[dict[str, Any]]:
        """After the announcement, the outcome events the embargo kept back."""
        events: list[dict[str, Any]] = []
        with Session(self.service.ctx.engine, expire_on_commit=False) as session:
            if not self._announced:
                self._announced = store.milestone(session, store.ANNOUNCED) is not None
                if not self._announced:
                    return events
            for row in session.exec(select(Notification).where(col(Notification.held).is_(True))).all():
                freed = session.exec(
                    update(Notification).where(col(Notification.seq) == row.seq, col(Notification.held).is_(True)).values(held=False)
                    .execution_options(synchronize_session=False)
                )
                if freed.rowcount == 1:
                    events.append(outcome_event(row, self.service.source))
                    log.info("notification.released", occasion=row.occasion, submission_id=row.submission_id, notification_id=row.notification_id)
            if events:
                session.execute(insert(OUTBOX), events)
            session.commit()
        return events
