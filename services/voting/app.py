"""The voting service: member registry, nominee list, ballots V2-V5, tallies, finalists.

Wiring only. What it reads and writes is `shared.topology.VOTING`. Ballots
and members come by the hundred thousand: they are read by the runtime's
hot-path mode (`shared.lane`), ballots with several batches in hand. The
nominee list, the clock and staff annulments go through FastStream
subscribers; a tick waits for the ballots up to it and for no ballot to be
held, then for its reports' votes counted on a snapshot; an annulment waits
for the ballots up to it; both for the ballots paused.
"""

from __future__ import annotations

from services.voting.handler import VotingHandler
from shared import topology
from shared.drain import Gate
from shared.runtime import Service
from shared.settings import Settings, get_settings

BALLOTS_IN_HAND = 4  # batches read and decided ahead of the one being published


def build(settings: Settings | None = None) -> Service:
    settings = settings or get_settings()
    service = Service(topology.VOTING, VotingHandler, settings)
    service.lane(topology.IN_BALLOTS, lambda handler: handler.ballots, settings.ballot_batch_size, BALLOTS_IN_HAND)
    service.lane(topology.IN_STAKEHOLDERS, lambda handler: handler.members)
    # A tick's reports and an annulment: the ballots paused until their answers are published.
    service.gates[topology.IN_CLOCK] = Gate(lambda batch: handler(service).settled(batch), lambda: handler(service).resume())
    service.gates[topology.IN_STAFF] = Gate(lambda batch: handler(service).paused(), lambda: handler(service).resume())
    return service.wire()


def handler(service: Service) -> VotingHandler:
    assert isinstance(service.handler, VotingHandler), "the service has not started"
    return service.handler


app = build().app
