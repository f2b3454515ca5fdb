"""The AsyncAPI documents of the services, under docs/asyncapi/.

Made by FastStream's generator (what `faststream docs gen` runs), with two
touches: consumer names, which are unique per process, are shown as their
pattern; and each inbound channel gets the schema of the CloudEvents it
carries (the handlers read raw entries, so FastStream cannot see it).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter

from shared.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs" / "asyncapi"
PLACEHOLDER_SERVER = "redis://127.0.0.1:6379"


def document(name: str) -> dict[str, Any]:
    module = importlib.import_module(f"services.{name}.app")
    service = module.build(Settings(redis_url=PLACEHOLDER_SERVER, data_dir=Path(".wsis")))
    spec: dict[str, Any] = json.loads(json.dumps(service.app.schema.to_specification().to_jsonable()))
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for channel in spec.get("channels", {}).values():
        binding = channel.get("bindings", {}).get("redis", {})
        if "consumerName" in binding:
            binding["consumerName"] = f"{name}-<host>-<pid>-<random>"
    for stream, events in service.inbound_docs.items():
        payload = TypeAdapter(events).json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(payload.pop("$defs", {}))
        message = spec["components"]["messages"].get(f"{stream}:SubscribeMessage")
        if message is not None:
            message["payload"] = payload
    schemas.pop("EmptyPayload", None)
    return spec


def render(name: str) -> str:
    return yaml.safe_dump(document(name), sort_keys=True, allow_unicode=True, width=100)


def write_all(names: list[str]) -> list[Path]:
    DOCS.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = DOCS / f"{name}.yaml"
        path.write_text(render(name), encoding="utf-8")
        written.append(path)
    return written


def stale(names: list[str]) -> list[str]:
    """Services whose committed document differs from what the code generates."""
    return [n for n in names if not (DOCS / f"{n}.yaml").is_file() or (DOCS / f"{n}.yaml").read_text(encoding="utf-8") != render(n)]
