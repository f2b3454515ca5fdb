"""The eligibility service: screens every entry and amendment against the contest's rules."""

from __future__ import annotations

from faststream.redis.annotations import RedisBatchStreamMessage

from services.eligibility.handler import EligibilityHandler
from shared import topology
from shared.events import SubmissionReceived, SubmissionRejected, SubmissionScreened, T
from shared.runtime import Service
from shared.settings import Settings


def build(settings: Settings | None = None) -> Service:
    service = Service("eligibility", EligibilityHandler, settings)

    service.publisher(
        topology.OUT_ELIGIBILITY,
        (T.SUBMISSION_SCREENED, SubmissionScreened),
        description="One verdict per entry and per amendment, and again when an earlier entry changes it",
    )

    @service.subscriber(
        topology.OUT_SUBMISSION,
        (T.SUBMISSION_RECEIVED, SubmissionReceived),
        (T.SUBMISSION_REJECTED, SubmissionRejected),
        description="Entries as stored by the submission service (rejections are passed over)",
    )
    async def on_received(msg: RedisBatchStreamMessage) -> None:
        await service.consume(topology.OUT_SUBMISSION, msg.raw_message)

    return service


app = build().app
