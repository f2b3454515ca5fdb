"""The submission service: takes entries in, validates and stores them, answers."""

from __future__ import annotations

from faststream.redis.annotations import RedisBatchStreamMessage

from services.submission.handler import SubmissionHandler
from shared import topology
from shared.events import SubmissionReceived, SubmissionRejected, SubmissionSubmitted, T
from shared.runtime import Service
from shared.settings import Settings


def build(settings: Settings | None = None) -> Service:
    service = Service("submission", SubmissionHandler, settings)

    service.publisher(
        topology.OUT_SUBMISSION,
        (T.SUBMISSION_RECEIVED, SubmissionReceived),
        (T.SUBMISSION_REJECTED, SubmissionRejected),
        description="Entries as stored (after commit), or why they do not fit the schema",
    )

    @service.subscriber(
        topology.IN_SUBMISSIONS,
        (T.SUBMISSION_SUBMITTED, SubmissionSubmitted),
        description="Project entries from the submission platform",
    )
    async def on_submissions(msg: RedisBatchStreamMessage) -> None:
        await service.consume(topology.IN_SUBMISSIONS, msg.raw_message)

    return service


app = build().app
