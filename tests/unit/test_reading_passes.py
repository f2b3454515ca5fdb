"""The cheap pass of passed types (`shared.reading.without_passed`): exactly what a bare parse and the envelope's checks say."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from shared import bus
from shared.envelope import MAX_ENTRY_BYTES, is_rfc3339
from shared.reading import passed_cheaply, without_passed

PASSES = frozenset({"wsis.vote.accepted", "wsis.vote.rejected"})
STREAM, OTHER = "wsis:out:voting", "wsis:in:clock"


def reference(raw: bytes | None, passes: frozenset[str]) -> bool:
    """The rule, written plainly: a well-formed CloudEvent of a passed type, within the contract's size."""
    if not passes or raw is None or len(raw) > MAX_ENTRY_BYTES:
        return False
    try:
        body: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    if type(body) is not dict or type(body.get("type")) is not str or body["type"] not in passes:
        return False
    if body.get("specversion") != "1.0" or type(body.get("data")) is not dict:
        return False
    texts = [body.get(name) for name in ("id", "source")]
    return all(type(text) is str and text.strip() for text in texts) and is_rfc3339(body.get("time"))


def event(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"specversion": "1.0", "id": "v-1", "source": "wsis-prizes/voting", "type": "wsis.vote.accepted",
                            "time": "2021-03-02T10:00:00.123456Z", "data": {"ballot_id": "b"}}  # fmt: skip
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


VARIANTS: list[bytes | None] = [
    orjson.dumps(event()),
    orjson.dumps(event(type="wsis.vote.rejected", time="2021-03-02T11:00:00+01:00")),
    orjson.dumps(event(type="wsis.voting.closed")),
    *(orjson.dumps(event(type=kind)) for kind in ([1], {"a": 1}, 7, None, "", True)),
    *(orjson.dumps(event(id=value)) for value in (None, " ", "", 5, ["x"])),
    *(orjson.dumps(event(source=value)) for value in (None, "\t", 5, {"x": 1})),
    *(orjson.dumps(event(time=value)) for value in (None, "2021-03-02 10:00", "2021-03-02T10:00:00", 5, "２０２１-03-02T10:00:00Z")),
    *(orjson.dumps(event(specversion=value)) for value in (None, "0.3", 1.0)),
    *(orjson.dumps(event(data=value)) for value in (None, [], "x", 0)),
    b'{"type": "wsis.vote.accepted", ',
    b"[1, 2]",
    b'"wsis.vote.accepted"',
    b"",
    b"\xff\xfe",
    None,
    orjson.dumps(event(data={"pad": "x" * MAX_ENTRY_BYTES})),
]


@pytest.mark.parametrize("raw", VARIANTS)
def test_passed_as_the_rule_says(raw: bytes | None) -> None:
    assert passed_cheaply(raw, PASSES) == reference(raw, PASSES)
    assert passed_cheaply(raw, frozenset()) is False


def test_a_type_that_is_no_text_takes_the_full_path() -> None:
    for kind in ([1], {"a": 1}):
        assert passed_cheaply(orjson.dumps(event(type=kind)), PASSES) is False


def test_an_escaped_type_is_read_as_json_reads_it() -> None:
    raw = b'{"specversion":"1.0","id":"v","source":"s","type":"wsis.vote\\u002eaccepted","time":"2021-03-02T10:00:00Z","data":{}}'
    assert passed_cheaply(raw, PASSES)


def test_without_passed_keeps_the_others_in_order_whatever_their_stream() -> None:
    entries = [bus.Entry(STREAM if i % 3 else OTHER, f"{i}-0", raw) for i, raw in enumerate(VARIANTS * 2)]
    passes = {STREAM: PASSES}
    kept = without_passed(entries, passes)
    assert kept == [e for e in entries if not reference(e.raw, passes.get(e.stream, frozenset()))]
    assert any(e.stream == STREAM for e in kept) and len(kept) < len(entries)
    assert without_passed(entries, {}) == entries
