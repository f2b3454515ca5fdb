"""CloudEvents 1.0 in JSON structured mode: reading, checking and building.

An entry's `__data__` either parses into a `CloudEvent` or yields an
`Unreadable` that says why; callers dead-letter the latter.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, Union

import orjson
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Strict,
    StringConstraints,
    ValidationError,
    create_model,
)

MAX_ENTRY_BYTES = 1024 * 1024
# Levels of arrays and objects in an entry, the outermost object counted as 1.
# Every reader of entries holds to it through `within_json_depth`: below the
# limits of the parsers themselves (pydantic's about 200, orjson's 1,024), so
# they never decide it.
MAX_JSON_DEPTH = 200
ID_NAMESPACE = uuid.UUID("6f1c1d0e-8f0e-5d3b-9a57-2b1e8a3f3c21")
# RFC 3339 date-time as the contract's producers write it. A time that fits is
# read on the fast roads (the ballot reader, the cheap pass of passed types);
# anything else goes the exact, slow way through `parse_entry`.
RFC3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})", re.ASCII)


def is_rfc3339(text: object) -> bool:
    return type(text) is str and RFC3339.fullmatch(text) is not None

NonEmpty = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1)]


class CloudEvent(BaseModel):
    """The envelope. Extension attributes other than `causationid` are kept."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: NonEmpty
    source: NonEmpty
    type: NonEmpty
    time: Annotated[AwareDatetime, Strict()]
    data: dict[str, Any]
    datacontenttype: Literal["application/json"] | None = None
    subject: str | None = None
    causationid: str | None = None

    def to_json(self) -> bytes:
        body = self.model_dump(mode="json", exclude_none=True)
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Why an entry is not a CloudEvent we can read."""

    error: str


def within_json_depth(raw: bytes, parsed: Any = None) -> bool:
    """Whether the JSON `raw` nests at most MAX_JSON_DEPTH levels.

    Cheap when it plainly does (fewer brackets than levels); else the parsed
    value (`parsed`, or orjson's) is walked. JSON orjson cannot read is
    within depth only if it has fewer brackets: deeper, it is refused anyway.
    A text shorter than an opening and a closing bracket a level is within
    depth unread (a ballot is: counting its brackets cost half a microsecond)."""
    if len(raw) < 2 * (MAX_JSON_DEPTH + 1) or raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return True
    if parsed is None:
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return False
    level: list[Any] = [parsed]
    depth = 0
    while level:
        containers = [v for v in level if type(v) is dict or type(v) is list]
        if not containers:
            return True
        depth += 1
        if depth > MAX_JSON_DEPTH:
            return False
        level = [item for c in containers for item in (c.values() if type(c) is dict else c)]
    return True


def parse_entry(raw: bytes | None) -> CloudEvent | Unreadable:
    if raw is None:
        return Unreadable("the entry has no __data__ field")
    if len(raw) > MAX_ENTRY_BYTES:
        return Unreadable(f"__data__ is {len(raw)} bytes; the limit is {MAX_ENTRY_BYTES}")
    if not within_json_depth(raw):
        return Unreadable(f"not a CloudEvent: JSON nested deeper than {MAX_JSON_DEPTH} levels (recursion limit exceeded)")
    try:
        return CloudEvent.model_validate_json(raw)
    except ValidationError as exc:
        return Unreadable(f"not a CloudEvent: {_describe(exc)}")


def _describe(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors(include_url=False, include_input=False)[:10]:
        where = ".".join(str(p) for p in err["loc"]) or "(event)"
        problems.append(f"{where}: {err['msg']}")
    return "; ".join(problems)


def event_id(kind: str, cause: CloudEvent, key: str = "") -> str:
    """The deterministic id of the event of type `kind` caused by `cause`."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}|{cause.source}|{cause.id}|{key}"))


def outbound(
    kind: str,
    source: str,
    data: BaseModel | dict[str, Any],
    cause: CloudEvent,
    *,
    key: str = "",
    time: datetime | None = None,
) -> CloudEvent:
    """An event caused by `cause`: deterministic id, business time of the cause."""
    return published(kind, source, data, id=event_id(kind, cause, key), time=time or cause.time, causationid=cause.id)


def published(
    kind: str, source: str, data: BaseModel | dict[str, Any], *, id: str, time: datetime, causationid: str
) -> CloudEvent:
    """Every event a service publishes is built here: `outbound` for an answer
    to an inbound event, the dead letters and notify's reports with ids of
    their own."""
    body = data.model_dump(mode="json", exclude_none=True) if isinstance(data, BaseModel) else data
    return CloudEvent(
        specversion="1.0",
        id=id,
        source=source,
        type=kind,
        time=time,
        datacontenttype="application/json",
        data=body,
        causationid=causationid,
    )


def typed_events(*kinds: tuple[str, type[BaseModel]]) -> Any:
    """The schema of the events on a stream: CloudEvents whose `data` is typed.

    For documentation (AsyncAPI); the wire is read by `parse_entry`.
    """
    models = []
    for kind, data in kinds:
        name = "".join(part.capitalize() for part in kind.split(".")[1:]) + "Event"
        models.append(
            create_model(name, __base__=CloudEvent, type=(Literal[kind], kind), data=(data, ...))  # type: ignore[arg-type]  # a Literal of a run-time value: the model is made at run time
        )
    return models[0] if len(models) == 1 else Union[tuple(models)]  # noqa: UP007


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """Every error of a data validation, each with its dotted field path."""
    errors = []
    for err in exc.errors(include_url=False, include_input=False):
        errors.append({"field": ".".join(str(p) for p in err["loc"]) or "data", "message": err["msg"]})
    return errors


__all__ = [
    "MAX_ENTRY_BYTES",
    "MAX_JSON_DEPTH",
    "CloudEvent",
    "Unreadable",
    "event_id",
    "field_errors",
    "within_json_depth",
    "outbound",
    "parse_entry",
    "published",
    "typed_events",
]
