"""The notify service: tells coordinators, by email, what the contest decided about their entries."""

from __future__ import annotations

import re
from typing import Any

import orjson
from faststream.redis.annotations import RedisBatchStreamMessage

from services.notify.config import NotifyConfig
from services.notify.handler import NotifyHandler
from services.notify.sender import Sender
from services.notify.transports import MaildirTransport, SmtpTransport, Transport
from shared import bus, topology
from shared.envelope import MAX_ENTRY_BYTES
from shared.events import DATA_MODELS, Data, Notification, T
from shared.runtime import Service
from shared.settings import Settings, get_settings

# A million ballots pass on voting's stream and tell notify nothing. An entry
# that is plainly a well-formed vote event is acknowledged without the
# validation, inbox row and transaction of the full path; anything doubtful
# takes the full path (and is dead-lettered there if it must be).
CHEAPLY_IGNORED = frozenset({T.VOTE_ACCEPTED.encode(), T.VOTE_REJECTED.encode()})
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")


def cheaply_ignored(raw: bytes | None) -> bool:
    if raw is None or len(raw) > MAX_ENTRY_BYTES or not any(kind in raw for kind in CHEAPLY_IGNORED):
        return False
    try:
        body: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(body, dict) or body.get("specversion") != "1.0" or not isinstance(body.get("data"), dict):
        return False
    if not all(isinstance(body.get(k), str) and body[k].strip() for k in ("id", "source", "time")):
        return False
    return body.get("type", "").encode() in CHEAPLY_IGNORED and RFC3339.match(body["time"]) is not None


def kinds(stream: str) -> list[tuple[str, type[Data]]]:
    return [(kind, DATA_MODELS[kind]) for kind in sorted(NotifyHandler.accepts[stream])]


def transport_for(settings: Settings, config: NotifyConfig) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url, config.send_timeout_seconds)
    return MaildirTransport(settings.data_dir / "mail")


def build(settings: Settings | None = None, config: NotifyConfig | None = None) -> Service:
    settings = settings or get_settings()
    config = config or NotifyConfig()
    service = Service("notify", NotifyHandler, settings)
    sender = Sender(service, config, lambda: transport_for(settings, config))
    service.app.after_startup(sender.start)
    service.before_stop(sender.stop)
    service.sender = sender  # type: ignore[attr-defined]  # for tests and operators
    service.publisher(
        topology.OUT_NOTIFY,
        (T.NOTIFICATION_SENT, Notification),
        (T.NOTIFICATION_FAILED, Notification),
        description="Each email sent or given up on; the winner contact's only after the ceremony",
    )

    @service.subscriber(topology.OUT_SUBMISSION, *kinds(topology.OUT_SUBMISSION), description="Coordinators' addresses")
    async def on_submissions(msg: RedisBatchStreamMessage) -> None:
        await service.consume(topology.OUT_SUBMISSION, msg.raw_message)

    @service.subscriber(topology.OUT_ELIGIBILITY, *kinds(topology.OUT_ELIGIBILITY), description="Verdicts to acknowledge")
    async def on_eligibility(msg: RedisBatchStreamMessage) -> None:
        await service.consume(topology.OUT_ELIGIBILITY, msg.raw_message)

    @service.subscriber(topology.OUT_JUDGING, *kinds(topology.OUT_JUDGING), description="Nominee list, awards")
    async def on_judging(msg: RedisBatchStreamMessage) -> None:
        await service.consume(topology.OUT_JUDGING, msg.raw_message)

    @service.subscriber(topology.SEALED_JUDGING, *kinds(topology.SEALED_JUDGING), description="The confidential winner contact")
    async def on_sealed(msg: RedisBatchStreamMessage) -> None:
        await service.consume(topology.SEALED_JUDGING, msg.raw_message)

    @service.subscriber(topology.OUT_VOTING, *kinds(topology.OUT_VOTING), description="Weekly progress, the close of voting")
    async def on_voting(msg: RedisBatchStreamMessage) -> None:
        raw = msg.raw_message
        entries = bus.entries_from(topology.OUT_VOTING, raw["message_ids"], raw["data"])
        relevant = [e for e in entries if not cheaply_ignored(e.raw)]
        await service.process(relevant, ack=entries)

    return service


app = build().app
