"""The messages of the AsyncAPI documents: one per event type of the contract.

A message's payload is the whole stream entry's `__data__`: the CloudEvent
envelope (CONTRACT 1), its `type` a constant, its `data` the JSON Schema of
the type's pydantic model (`shared/events.py`). Inbound data is documented
as the services validate it, outbound data as they serialize it; events the
services publish (outbound streams, dead letters) also require `causationid`.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shared import topology
from shared.events import DATA_MODELS

SCHEMAS = "#/components/schemas/"
MESSAGES = "#/components/messages/"
# The streams the services write: their events answer a cause (CONTRACT 1).
SERVICE_WRITTEN = frozenset((*topology.OUTBOUND, topology.DEADLETTER))


def published_by_services(kind: str) -> bool:
    return any(kind in topology.STREAMS[s].types for s in SERVICE_WRITTEN)


@functools.cache
def data_schemas() -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Per event type a `$ref` to its data's schema, and every named schema."""
    modes: dict[str, JsonSchemaMode] = {kind: "serialization" if published_by_services(kind) else "validation" for kind in DATA_MODELS}
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = list(dict.fromkeys((DATA_MODELS[kind], modes[kind]) for kind in sorted(DATA_MODELS)))
    refs, schema = models_json_schema(pairs, ref_template=SCHEMAS + "{model}")
    by_kind = {kind: refs[(DATA_MODELS[kind], modes[kind])] for kind in sorted(DATA_MODELS)}
    return by_kind, schema.get("$defs", {})


def envelope(kind: str) -> dict[str, Any]:
    """The JSON Schema of a CloudEvent of type `kind`."""
    data_ref, _ = data_schemas()
    properties: dict[str, Any] = {
        "specversion": {"const": "1.0"},
        "id": {"type": "string", "minLength": 1, "description": "Unique per source; a service derives it from the cause."},
        "source": {"type": "string", "minLength": 1},
        "type": {"const": kind},
        "time": {"type": "string", "format": "date-time", "description": "Business time: RFC 3339 with an offset."},
        "datacontenttype": {"const": "application/json"},
        "subject": {"type": "string"},
        "data": data_ref[kind],
    }
    required = ["specversion", "id", "source", "type", "time", "data"]
    if published_by_services(kind):
        properties["causationid"] = {"type": "string", "minLength": 1, "description": "The id of the event that caused it."}
        required.append("causationid")
    return {"type": "object", "required": required, "properties": properties}


def message(kind: str) -> dict[str, Any]:
    streams = [s.name for s in topology.DECLARED.values() if kind in s.types]
    return {
        "name": kind,
        "title": DATA_MODELS[kind].__name__,
        "summary": f"On {', '.join(streams)}",
        "contentType": "application/json",
        "payload": envelope(kind),
    }


def referenced_schemas(messages: dict[str, Any]) -> dict[str, Any]:
    """The named schemas the messages need, directly or through other schemas."""
    _, schemas = data_schemas()
    needed: dict[str, Any] = {}
    todo = list(_refs(messages))
    while todo:
        name = todo.pop()
        if name not in needed:
            needed[name] = schemas[name]
            todo.extend(_refs(schemas[name]))
    return {name: needed[name] for name in sorted(needed)}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"].removeprefix(SCHEMAS)] if str(node.get("$ref", "")).startswith(SCHEMAS) else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []
