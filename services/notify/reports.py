"""What the service tells the world about its emails: the outcome events on
notify's output stream, and the fields its log lines may carry under the embargo."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.notify.store import Notification, Status
from shared import topology
from shared.envelope import ID_NAMESPACE, published
from shared.events import Notification as NotificationData
from shared.events import T
from shared.outbox import OutboxEvent


def log_fields(occasion: str, submission_id: str, week: int, nid: str | None, confidential: bool, announced: bool = False) -> dict[str, Any]:
    """Nothing that tells which entry won, until the awards are announced."""
    if confidential and not announced:
        return {"occasion": "confidential"}
    return {"occasion": occasion, "submission_id": submission_id, "week": week or None, "notification_id": nid}


def row_fields(row: Notification, announced: bool = False) -> dict[str, Any]:
    return log_fields(row.occasion, row.submission_id, row.week, row.notification_id, row.confidential, announced)


def outcome_event(row: Notification, source: str) -> OutboxEvent:
    """`wsis.notification.sent`/`failed` for a finished row, as a shared-outbox row.

    Its id depends on the notification alone; its time is the business time
    of the event that caused the notification, like every outbound event.
    """
    kind = T.NOTIFICATION_SENT if row.status == Status.sent else T.NOTIFICATION_FAILED
    data = NotificationData(
        notification_id=row.notification_id or "", occasion=row.occasion, submission_id=row.submission_id,
        week=row.week or None, error=row.last_error if row.status == Status.failed else None,
    )
    event = published(
        kind, source, data, id=str(uuid.uuid5(ID_NAMESPACE, f"{kind}|{row.notification_id}")),
        time=datetime.fromisoformat(row.cause_time), causationid=row.cause_id,
    )
    return OutboxEvent(id=event.id, stream=topology.OUT_NOTIFY, cause_key=f"notify\x1f{row.notification_id}", body=event.to_json())
