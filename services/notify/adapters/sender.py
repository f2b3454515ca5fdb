"""The sender loop: claim a due notification, deliver it, record the outcome.

Sending happens outside the inbound batch's transaction, one notification at
a time:

1. claim: `ready` -> `sending` (a conditional UPDATE, so two replicas never
   take the same row), committed before anything leaves;
2. deliver: SMTP or the Maildir;
3. record: `sent`, `ready` again with a backoff, or `failed` after the last
   try, with the `wsis.notification.sent`/`failed` event in the same commit
   (published right after, and by the runtime's relay after a crash),
   unless the embargo holds it back.

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

from redis.exceptions import RedisError
from sqlalchemy import update
from sqlalchemy.exc import StatementError
from sqlmodel import Session, col, select

from services.notify import domain, store
from services.notify.adapters.mail import compose, scrub
from services.notify.adapters.settings import MailSettings
from services.notify.adapters.templates import Templates
from services.notify.adapters.transports import Permanent, Transient, Transport
from services.notify.reports import outcome_event, row_fields
from services.notify.store import Notification, Status
from shared import bus, outbox
from shared.logs import get_logger
from shared.outbox import OutboxEvent
from shared.runtime import Service

log = get_logger()

PER_STEP = 200  # notifications per connection before the loop looks around again


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
                except asyncio.TimeoutError:
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
                claimed = self._claim()
                if claimed is None:
                    break
                await self._publish(await self._deliver(transport, *claimed))
                handled += 1
        finally:
            await transport.close()
        return handled

    async def _publish(self, rows: list[OutboxEvent]) -> None:
        """Publish the outcome events this task committed; a failure leaves them to the relay."""
        if not rows:
            return
        try:
            await bus.publish_all(self.service.redis, [(r.stream, r.body) for r in rows])
        except RedisError as exc:
            self._relay_needed = True
            log.warning("notification.publish_failed", error=str(exc), pending=len(rows))
            return
        with Session(self.service.ctx.engine) as session:
            outbox.mark_published(session, [r.seq for r in rows if r.seq is not None])
            session.commit()

    # --- claim, deliver, record -------------------------------------------------

    def _claim(self) -> tuple[Notification, store.Contact] | None:
        """Take one due notification (and its coordinator) for this task."""
        now = time.time()
        due = select(Notification).where(Notification.status == Status.ready, col(Notification.next_attempt_at) <= now)
        stale = select(Notification).where(Notification.status == Status.sending, col(Notification.claimed_at) < now - self.mail.lease_seconds)
        with Session(self.service.ctx.engine, expire_on_commit=False) as session:
            for query in (due.order_by(col(Notification.next_attempt_at), col(Notification.seq)), stale):
                for row in session.exec(query.limit(5)).all():
                    was, attempts = row.status, row.attempts
                    taken = session.exec(  # type: ignore[call-overload]
                        update(Notification)
                        .where(col(Notification.seq) == row.seq, col(Notification.status) == was, col(Notification.attempts) == attempts)
                        .values(status=Status.sending, claimed_by=self.service.consumer, claimed_at=now, attempts=attempts + 1)
                        .execution_options(synchronize_session=False)
                    )
                    if taken.rowcount == 1:
                        contact = session.get(store.Contact, row.submission_id)
                        session.commit()
                        assert contact is not None, "a notification is due only once its coordinator is known"
                        if was == Status.sending:
                            log.warning("notification.resumed", **row_fields(row, self._announced), note="its sender stopped mid-send")
                        row.status, row.attempts = Status.sending, attempts + 1
                        return row, contact
        return None

    async def _deliver(self, transport: Transport, row: Notification, contact: store.Contact) -> list[OutboxEvent]:
        personal = (contact.name, contact.email, row.recipient)
        try:
            message = compose(row, contact, self.service.ctx.contest, self.templates, self.mail.sender)
            await asyncio.wait_for(transport.deliver(row.notification_id or "", message), 2 * self.mail.send_timeout_seconds)
        except Permanent as exc:
            return self._record(row, Status.failed, scrub(str(exc), personal))
        except Exception as exc:  # Transient, a timeout, a template error (staff may fix it before the last try)
            error = scrub(str(exc) if isinstance(exc, Transient) else f"{type(exc).__name__}: {exc}", personal)
            if not isinstance(exc, Transient):
                await transport.close()
            last = row.attempts >= self.mail.max_attempts
            return self._record(row, Status.failed if last else Status.ready, error)
        return self._record(row, Status.sent, None)

    def _record(self, row: Notification, status: Status, error: str | None) -> list[OutboxEvent]:
        """Commit the outcome; returns the outcome event to publish, if the embargo allows it."""
        events: list[OutboxEvent] = []
        with Session(self.service.ctx.engine, expire_on_commit=False) as session:
            current = session.get(Notification, row.seq)
            if current is None or current.status != Status.sending:
                return events
            current.status, current.last_error, current.claimed_by, current.claimed_at = status, error, None, None
            if status == Status.ready:
                delay = domain.retry_delay(current.attempts, self.mail.backoff_seconds, self.mail.backoff_max_seconds)
                current.next_attempt_at = time.time() + delay
                log.warning("notification.retry", **row_fields(current, self._announced), attempts=current.attempts, retry_in=round(delay, 3), error=error)
            else:
                announced = self._announced or store.milestone(session, store.ANNOUNCED) is not None
                current.held = not domain.may_publish(current.confidential, announced)
                if not current.held:
                    events.append(outcome_event(current, self.service.source))
                    session.add(events[-1])
                level = log.info if status == Status.sent else log.error
                level(f"notification.{status}", **row_fields(current, self._announced), attempts=current.attempts, error=error)
            session.add(current)
            session.commit()
        return events

    # --- the embargo ------------------------------------------------------------

    def _release_held(self) -> list[OutboxEvent]:
        """After the announcement, the outcome events the embargo kept back."""
        events: list[OutboxEvent] = []
        with Session(self.service.ctx.engine, expire_on_commit=False) as session:
            if not self._announced:
                self._announced = store.milestone(session, store.ANNOUNCED) is not None
                if not self._announced:
                    return events
            for row in session.exec(select(Notification).where(col(Notification.held).is_(True))).all():
                freed = session.exec(  # type: ignore[call-overload]
                    update(Notification).where(col(Notification.seq) == row.seq, col(Notification.held).is_(True)).values(held=False)
                    .execution_options(synchronize_session=False)
                )
                if freed.rowcount == 1:
                    events.append(outcome_event(row, self.service.source))
                    session.add(events[-1])
                    log.info("notification.released", occasion=row.occasion, submission_id=row.submission_id, notification_id=row.notification_id)
            session.commit()
        return events
