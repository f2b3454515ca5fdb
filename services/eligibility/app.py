"""The eligibility service: screens every entry and amendment against the contest's rules.

What it reads and writes is `shared.topology.ELIGIBILITY`: entries as stored
(rejections pass unread) and staff decisions on screening (vote annulments
on the staff stream pass unread).
"""

from __future__ import annotations

from services.eligibility.handler import EligibilityHandler
from shared import topology
from shared.runtime import Service
from shared.settings import Settings


def build(settings: Settings | None = None) -> Service:
    return Service(topology.ELIGIBILITY, EligibilityHandler, settings).wire()


app = build().app
