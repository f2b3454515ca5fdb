"""Reading and building CloudEvents (CONTRACT 1)."""

import json
from datetime import UTC, datetime

import pytest

from shared.envelope import (
    MAX_ENTRY_BYTES,
    CloudEvent,
    Unreadable,
    event_id,
    outbound,
    parse_entry,
)
from shared.events import NominationRecorded

GOOD = {
    "specversion": "1.0",
    "id": "e-1",
    "source": "platform",
    "type": "wsis.submission.submitted",
    "time": "2021-01-10T10:00:00+01:00",
    "data": {"a": 1},
}


def raw(**changes):
    body = {**GOOD, **changes}
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()


def test_a_structured_mode_cloudevent_is_read_with_its_offset_time():
    event = parse_entry(raw())
    assert isinstance(event, CloudEvent)
    assert event.time == datetime(2021, 1, 10, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"specversion": "0.3"}, "specversion"),
        ({"id": None}, "id"),
        ({"id": "  "}, "id"),
        ({"source": None}, "source"),
        ({"type": None}, "type"),
        ({"time": None}, "time"),
        ({"time": "2021-01-10T10:00:00"}, "time"),
        ({"time": 1610272800}, "time"),
        ({"data": None}, "data"),
        ({"data": [1, 2]}, "data"),
        ({"datacontenttype": "text/plain"}, "datacontenttype"),
    ],
)
def test_an_event_missing_or_breaking_a_required_attribute_is_unreadable(changes, needle):
    result = parse_entry(raw(**changes))
    assert isinstance(result, Unreadable)
    assert needle in result.error


@pytest.mark.parametrize("body", [b"", b"not json", b"[1,2]", b'{"specversion": "1.0"', "é".encode("latin-1")])
def test_what_is_not_json_or_not_an_object_is_unreadable(body):
    assert isinstance(parse_entry(body), Unreadable)


def test_an_entry_over_one_mebibyte_is_unreadable_before_parsing():
    result = parse_entry(b" " * (MAX_ENTRY_BYTES + 1))
    assert isinstance(result, Unreadable)
    assert "limit is 1048576" in result.error


def test_an_entry_without_the_data_field_is_unreadable():
    assert isinstance(parse_entry(None), Unreadable)


def test_outbound_ids_are_deterministic_and_carry_the_cause():
    cause = parse_entry(raw())
    assert isinstance(cause, CloudEvent)
    first = outbound("wsis.nomination.recorded", "wsis-prizes/judging", NominationRecorded(submission_id="s", category=1), cause)
    again = outbound("wsis.nomination.recorded", "wsis-prizes/judging", {"submission_id": "s", "category": 1}, cause)
    assert first.id == again.id == event_id("wsis.nomination.recorded", cause)
    assert first.causationid == "e-1"
    assert first.time == cause.time
    assert first.to_json() == again.to_json()


def test_different_causes_or_keys_give_different_ids():
    a = parse_entry(raw())
    b = parse_entry(raw(id="e-2"))
    c = parse_entry(raw(source="other"))
    assert isinstance(a, CloudEvent) and isinstance(b, CloudEvent) and isinstance(c, CloudEvent)
    ids = {event_id("t", a), event_id("t", b), event_id("t", c), event_id("t", a, key="week-1"), event_id("u", a)}
    assert len(ids) == 5


def test_written_events_are_compact_json_without_empty_attributes():
    event = parse_entry(raw())
    assert isinstance(event, CloudEvent)
    body = json.loads(event.to_json())
    assert "subject" not in body and "causationid" not in body
    assert body["time"] == "2021-01-10T10:00:00+01:00"
