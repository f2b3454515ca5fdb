"""What the service tells the world about its emails: the outcome events on
notify's output stream, and the fields its log lines may carry under the embargo."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any

from services.notify.store import AnyNotification, Status
from shared import topology
from shared.envelope import ID_NAMESPACE, published
from shared.events import Notification as NotificationData
from shared.events import T


def log_fields(occasion: str, submission_id: str, week: int, nid: str | None, confidential: bool, announced: bool = False) -> dict[str, Any]:
    """Nothing that tells which entry won, until the awards are announced."""
    if confidential and not announced:
        return {"occasion": "confidential"}
    return {"occasion": occasion, "submission_id": submission_id, "week": week or None, "notification_id": nid}


def row_fields(row: AnyNotification, announced: bool = False) -> dict[str, Any]:
    return log_fields(row.occasion, row.submission_id, row.week, row.notification_id, row.confidential, announced)


def outcome_event(row: AnyNotification, source: str) -> dict[str, Any]:
    """`wsis.notification.sent`/`failed` for a finished row, as the values of a
    shared-outbox row (written with one INSERT for a batch, not as ORM objects).

    Its id depends on the notification alone; its time is the business time
    of the event that caused the notification, like every outbound event.
    The body is the bytes `shared.envelope.published` makes, written without
    a model for each email (a test holds the two to the same bytes).
    """
    kind = T.NOTIFICATION_SENT if row.status == Status.sent else T.NOTIFICATION_FAILED
    event_id = str(uuid.uuid5(ID_NAMESPACE, f"{kind}|{row.notification_id}"))
    data = {"notification_id": row.notification_id or "", "occasion": row.occasion, "submission_id": row.submission_id,
            "week": row.week or None, "error": row.last_error if row.status == Status.failed else None}  # fmt: skip
    if any(type(v) is str and not v.strip() for v in data.values()):  # the contract's blank fields: its model decides
        body = published_body(kind, source, data, event_id, row.cause_time, row.cause_id)
    else:
        envelope = {"specversion": "1.0", "id": event_id, "source": source, "type": kind, "time": _time_json(row.cause_time),
                    "data": {k: v for k, v in data.items() if v is not None}, "datacontenttype": "application/json",
                    "causationid": row.cause_id}  # fmt: skip
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
    return {"id": event_id, "stream": topology.OUT_NOTIFY, "cause_key": f"notify\x1f{row.notification_id}", "body": body, "published": False}


def published_body(kind: str, source: str, data: dict[str, Any], event_id: str, cause_time: str, cause_id: str) -> bytes:
    """The outcome event's body through the contract's model and `published`: what `outcome_event` writes."""
    event = published(kind, source, NotificationData.model_validate(data), id=event_id, time=datetime.fromisoformat(cause_time),
                      causationid=cause_id)  # fmt: skip
    return event.to_json()


@lru_cache(maxsize=64)
def _time_json(cause_time: str) -> str:
    """A cause's time as the envelope writes it (the few causes of a batch share theirs)."""
    envelope = published("x", "x", {}, id="x", time=datetime.fromisoformat(cause_time), causationid="x")
    return str(envelope.model_dump(mode="json")["time"])
