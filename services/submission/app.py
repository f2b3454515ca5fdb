"""The submission service: takes entries in, validates and stores them, answers."""

from __future__ import annotations

from services.submission.handler import SubmissionHandler
from shared import topology
from shared.runtime import Service
from shared.settings import Settings


def build(settings: Settings | None = None) -> Service:
    return Service(topology.SUBMISSION, SubmissionHandler, settings).wire()


app = build().app
