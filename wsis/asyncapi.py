"""The AsyncAPI 3.0 documents of the bus, under docs/asyncapi/: `uv run wsis asyncapi`.

Derived from the declarations alone (`shared/topology.py` for who reads and
writes which stream, `shared/events.py` for the payloads), never from a
running app, so the output is deterministic. One document a service: its
input streams as receive operations (the types it handles and those it lets
pass), its output streams and the dead letter stream as send operations. One
document for the publishers: what each outside system (CONTRACT 4) and the
ticker append and read. Together they name every stream and event type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from shared import topology
from shared.events import T
from wsis.asyncapi_messages import MESSAGES, message, referenced_schemas

DOCS = Path(__file__).resolve().parent.parent / "docs" / "asyncapi"
ASYNCAPI_VERSION = "3.0.0"
CONTRACT_VERSION = "2"
PUBLISHERS = "publishers"
NAMES = (*topology.SERVICES, PUBLISHERS)
BUS = {
    "host": "127.0.0.1:6379",
    "protocol": "redis",
    "description": (
        "Redis Streams (Redis 7+ or Valkey 8+). Every stream entry has exactly one field, `__data__`: "
        "one CloudEvents 1.0 event in JSON structured mode (the message's payload)."
    ),
    "security": [{"$ref": "#/components/securitySchemes/aclUser"}],
}


def channel_id(stream: str) -> str:
    return stream.replace(":", ".")


def channel(stream: str) -> dict[str, Any]:
    declared = topology.DECLARED[stream]
    return {
        "address": stream,
        "description": f"{declared.description}. Written by: {declared.writer}.",
        "messages": {kind: {"$ref": MESSAGES + kind} for kind in declared.types},
    }


def operation(action: str, stream: str, kinds: list[str] | tuple[str, ...], description: str) -> dict[str, Any]:
    ref = f"#/channels/{channel_id(stream)}"
    return {
        "action": action,
        "channel": {"$ref": ref},
        "description": description,
        "messages": [{"$ref": f"{ref}/messages/{kind}"} for kind in kinds],
    }


def listing(kinds: frozenset[str] | tuple[str, ...]) -> str:
    return ", ".join(f"`{kind}`" for kind in sorted(kinds)) or "nothing"


def receive(service: topology.Service, given: topology.Input) -> dict[str, Any]:
    why = f"{given.description}. " if given.description else ""
    what = f"Handles {listing(given.handles)}"
    if given.passes:
        what += f"; lets {listing(given.passes)} pass unread"
    return operation(
        "receive", given.stream, sorted(given.accepts),
        f"{why}{what}; any other type is dead-lettered. Read in the consumer group `{service.name}`.",
    )


def service_operations(service: topology.Service) -> dict[str, Any]:
    ops = {f"receive.{channel_id(i.stream)}": receive(service, i) for i in service.inputs}
    for out in service.outputs:
        ops[f"send.{channel_id(out.stream)}"] = operation("send", out.stream, out.types, f"Publishes {listing(out.types)}.")
    ops[f"send.{channel_id(topology.DEADLETTER)}"] = operation(
        "send", topology.DEADLETTER, (T.DEADLETTER,),
        "An entry that cannot be read as a CloudEvent of its stream, acknowledged and set aside.",
    )
    return ops


def grant_operations(grant: topology.Grant) -> dict[str, Any]:
    ops = {
        f"{grant.user}.append.{channel_id(s)}": operation(
            "send", s, topology.STREAMS[s].types, f"The `{grant.user}` user appends to it."
        )
        for s in grant.writes
    }
    for s in grant.reads:
        ops[f"{grant.user}.read.{channel_id(s)}"] = operation(
            "receive", s, topology.STREAMS[s].types,
            f"The `{grant.user}` user reads it with XREAD, XRANGE, XREVRANGE (no consumer group).",
        )
    return ops


def document(name: str) -> dict[str, Any]:
    return publishers_document() if name == PUBLISHERS else service_document(topology.SERVICES[name])


def service_document(service: topology.Service) -> dict[str, Any]:
    return assemble(
        f"WSIS Prizes: the {service.name} service", f"{service.description}.", service_operations(service),
        f"The service connects as the Redis ACL user `{service.name}`: it may read its inputs and append to its outputs.",
    )


def publishers_document() -> dict[str, Any]:
    grants = (*topology.PUBLISHERS, topology.TICKER)
    about = (
        "What each outside system appends to the bus and reads back, each as a Redis ACL user of its own "
        "(CONTRACT 4), and the clock ticks `wsis up` publishes: "
        + "; ".join(f"`{g.user}`: {g.description}" for g in grants) + "."
    )
    return assemble(
        "WSIS Prizes: the publishers", about, {key: op for g in grants for key, op in grant_operations(g).items()},
        "Each publisher connects as its own Redis ACL user: it may append to its streams and read its answers.",
    )


def assemble(title: str, about: str, ops: dict[str, Any], user: str) -> dict[str, Any]:
    """A whole document: the channels and messages its operations use, and their schemas."""
    addresses = dict.fromkeys(op["channel"]["$ref"].removeprefix("#/channels/") for op in ops.values())
    streams = [s for s in topology.DECLARED if channel_id(s) in addresses]
    kinds = [kind for s in streams for kind in topology.DECLARED[s].types]
    messages = {kind: message(kind) for kind in dict.fromkeys(kinds)}
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": title, "version": CONTRACT_VERSION, "description": about},
        "defaultContentType": "application/json",
        "servers": {"bus": BUS},
        "channels": {channel_id(s): channel(s) for s in streams},
        "operations": ops,
        "components": {
            "messages": messages,
            "schemas": referenced_schemas(messages),
            "securitySchemes": {"aclUser": {"type": "userPassword", "description": user}},
        },
    }


def render(name: str) -> str:
    return yaml.safe_dump(document(name), sort_keys=False, allow_unicode=True, width=100)


def write_all() -> list[Path]:
    """(Re)write every document; a document of a name no longer declared is removed."""
    DOCS.mkdir(parents=True, exist_ok=True)
    for old in DOCS.glob("*.yaml"):
        if old.stem not in NAMES:
            old.unlink()
    written = []
    for name in NAMES:
        path = DOCS / f"{name}.yaml"
        path.write_text(render(name), encoding="utf-8")
        written.append(path)
    return written


def stale() -> list[str]:
    """The documents whose committed file differs from what the declarations give."""
    files = {p.stem for p in DOCS.glob("*.yaml")}
    behind = [n for n in NAMES if n not in files or (DOCS / f"{n}.yaml").read_text(encoding="utf-8") != render(n)]
    return behind + sorted(files - set(NAMES))
