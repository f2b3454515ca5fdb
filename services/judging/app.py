"""The judging service: the panel's decisions, quotas, finality and the embargo.

What it reads and writes is `shared.topology.JUDGING`: the runtime derives
its subscribers and publishers from it (the close of voting comes on
voting's internal copy of its reports, not among the ballots' answers),
and drains the inputs a tick depends on before the tick. Recorded winners
go to the sealed stream only.
"""

from __future__ import annotations

from services.judging.handler import JudgingHandler
from shared import topology
from shared.runtime import Service
from shared.settings import Settings


def build(settings: Settings | None = None) -> Service:
    return Service(topology.JUDGING, JudgingHandler, settings).wire()


app = build().app
