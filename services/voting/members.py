"""Members, by the hundred thousand: the batch handler of the runtime's member lane.

`wsis.stakeholder.registered` into `voting_member`, one upsert a batch; the
same user_id replaces the profile, the newest entry wins (by position, so
two replicas storing them out of order agree).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence

from services.voting import store
from services.voting.adapters import wire
from services.voting.adapters.ledger import Ledger
from services.voting.domain import read_member
from shared import bus
from shared.lane import Committed
from shared.logs import get_logger

log = get_logger()


class MemberDesk:
    batch_event = "stakeholders.batch"
    read = staticmethod(wire.read)

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    async def begin(self, readable: Sequence[tuple[bus.Entry, wire.Event]]) -> Awaitable[Committed]:
        rows: list[store.Profile] = []
        for entry, event in readable:
            member = read_member(event.data)
            if member is None:
                # The contract has no answer event for a bad profile: say so in the log.
                log.warning("stakeholder.invalid", stream=entry.stream, event_id=event.id, entry_id=entry.entry_id)
                continue
            user_id, known = member
            rows.append(store.Profile(user_id, known.entity_id, known.complete, store.position(entry.entry_id), known.org))
        return self._stored(rows)

    async def _stored(self, rows: list[store.Profile]) -> Committed:
        if rows:
            await self.ledger.run(self._store, rows)
        return Committed([], counts={"stored": len(rows)})

    def _store(self, rows: list[store.Profile]) -> None:
        with self.ledger.transaction() as cur:
            self.ledger.add_members(cur, rows)
