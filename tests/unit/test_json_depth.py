"""One JSON depth limit for every reader of entries (shared.envelope.MAX_JSON_DEPTH)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.voting.adapters import wire
from shared.envelope import (
    MAX_JSON_DEPTH,
    CloudEvent,
    Unreadable,
    parse_entry,
    within_json_depth,
)

ENVELOPE = '{"specversion":"1.0","id":"deep","source":"tests","type":"wsis.ballot.cast","time":"2021-03-10T10:00:00Z","data":%s}'


def nested(depth: int, shape: str) -> str:
    """A JSON value `depth` levels deep: arrays, objects, or both in turn."""
    opens = ["[" if shape == "array" or (shape == "mixed" and i % 2) else '{"a":' for i in range(depth)]
    closes = ["]" if o == "[" else "}" for o in reversed(opens)]
    return "".join(opens) + "1" + "".join(closes)


def entry(depth: int, shape: str) -> bytes:
    """An event whose whole JSON nests `depth` levels (the envelope and `data` are two)."""
    inner = nested(depth - 2, shape) if depth > 2 else "1"
    return (ENVELOPE % ('{"x":%s}' % inner)).encode()


depths = st.integers(1, 1100)
shapes = st.sampled_from(["array", "object", "mixed"])


@pytest.mark.parametrize("depth", [3, MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 1024, 1025])
def test_the_limit_is_exact(depth):
    raw = entry(depth, "mixed")
    assert within_json_depth(raw) is (depth <= MAX_JSON_DEPTH)
    assert isinstance(parse_entry(raw), CloudEvent) is (depth <= MAX_JSON_DEPTH)


def test_a_too_deep_entry_is_unreadable_saying_why():
    parsed = parse_entry(entry(MAX_JSON_DEPTH + 1, "array"))
    assert isinstance(parsed, Unreadable)
    assert f"deeper than {MAX_JSON_DEPTH}" in parsed.error and "recursion limit" in parsed.error


def test_a_wide_shallow_entry_is_within_depth():
    raw = (ENVELOPE % ('{"x":[%s]}' % ",".join(["[1]"] * 5000))).encode()
    assert within_json_depth(raw) and isinstance(parse_entry(raw), CloudEvent)


@settings(max_examples=150, deadline=None)
@given(depths, shapes)
def test_the_shared_parser_accepts_exactly_the_entries_within_the_limit(depth, shape):
    assert isinstance(parse_entry(entry(depth, shape)), CloudEvent) is (depth <= MAX_JSON_DEPTH)


@settings(max_examples=150, deadline=None)
@given(depths, shapes)
def test_the_voting_reader_and_the_shared_parser_agree_on_every_depth(depth, shape):
    raw = entry(depth, shape)
    assert isinstance(wire.read(raw), Unreadable) is isinstance(parse_entry(raw), Unreadable)
