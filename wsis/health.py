"""`wsis health SERVICE`: is a consumer of this service alive on this host?

A live consumer reads its streams at least every `block_ms`, so its idle
time stays small; a hung or dead one's grows. Used by container health
checks.
"""

from __future__ import annotations

import socket

import redis

from shared import bus, topology

MAX_IDLE_MS = 30_000


def alive_consumers(client: redis.Redis, service: str, host: str | None = None) -> list[str]:
    prefix = f"{service}-{host or socket.gethostname()}-"
    found = []
    known = topology.SERVICES.get(service)
    # The service's own inputs: its Redis user may look at those only.
    for stream in known.reads if known else ():
        try:
            consumers = client.xinfo_consumers(stream, service)
        except redis.ResponseError:  # no such stream or group
            continue
        for consumer in consumers:
            name = bus.text(consumer["name"])
            if name.startswith(prefix) and consumer["idle"] < MAX_IDLE_MS:
                found.append(f"{stream}/{name}")
    return found
