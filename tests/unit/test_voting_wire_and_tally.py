"""The fast envelope reader agrees with the foundation's; reports and the tie rule."""

from __future__ import annotations

import json
from datetime import UTC

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from services.voting.adapters import wire
from services.voting.domain import Nominee, micros, tally
from shared.envelope import Unreadable, parse_entry

BASE = {
    "specversion": "1.0", "id": "b-1", "source": "front", "type": "wsis.ballot.cast",
    "time": "2021-03-10T10:00:00Z", "datacontenttype": "application/json",
    "data": {"voter_id": "v", "category": 4, "project_id": "p"},
}
odd_values = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.just(2**70), st.sampled_from(
        ["", " ", "1.0", "x", " x ", "application/json", "text/plain",
         "2021-03-10T10:00:00Z", "2021-03-10T10:00:00+01:00", "2021-03-10T10:00:00.123456-05:30",
         "2021-03-10T10:00:00", "2021-03-10 10:00:00Z", "2021-02-30T10:00:00Z", "2021-03-10T10:00Z",
         "2021-03-10T10:00:00.1234567Z", "2021-03-10t10:00:00z", "2021-03-10T24:00:00Z", "2021-03-10T10:00:60Z"]
    ), st.just({}), st.just({"a": 1}), st.just([]),
)


def same_verdict(raw: bytes) -> None:
    fast, exact = wire.read(raw), parse_entry(raw)
    if isinstance(exact, Unreadable):
        assert isinstance(fast, Unreadable)
        assert fast.error == exact.error
    else:
        assert not isinstance(fast, Unreadable)
        assert (fast.id, fast.source, fast.type, fast.at, fast.data) == (exact.id, exact.source, exact.type, micros(exact.time), exact.data)


@settings(max_examples=400)
@given(st.dictionaries(st.sampled_from(sorted(BASE) + ["subject", "causationid", "extra"]), odd_values, max_size=4))
def test_the_fast_reader_decides_every_envelope_as_the_foundation_does(changes):
    same_verdict(json.dumps({**BASE, **changes}).encode())


@given(st.sampled_from(sorted(BASE)))
def test_an_envelope_missing_an_attribute_is_unreadable_either_way(missing):
    same_verdict(json.dumps({k: v for k, v in BASE.items() if k != missing}).encode())


def test_not_json_and_oversized_entries_are_unreadable():
    for raw in (b"{nope", b"[]", None, b"x" * (1024 * 1024 + 1), b'{"a": 1e999}'):
        same_verdict(raw)  # type: ignore[arg-type]


def test_an_answer_is_plain_cloudevents_json_with_a_utc_time():
    body = orjson.loads(wire.event_bytes("id-1", "wsis-prizes/voting", "wsis.vote.accepted", micros_of("2021-03-10T11:00:00.5+01:00"), {"a": 1}, "b-1"))
    assert body["time"] == "2021-03-10T10:00:00.500000Z" and body["causationid"] == "b-1"
    assert not isinstance(parse_entry(orjson.dumps(body)), Unreadable)


@given(st.integers(min_value=0, max_value=253402300799) , st.sampled_from([0, 0, 1, 500_000, 999_999]))
def test_answer_times_are_written_as_the_foundation_writes_utc_times(seconds, micro):
    from datetime import datetime

    from shared.events import utc_iso

    at = seconds * 1_000_000 + micro
    assert wire.iso(at) == utc_iso(datetime.fromtimestamp(seconds, UTC).replace(microsecond=micro))


@given(st.integers(min_value=-62135596800, max_value=253402300799))
def test_a_time_kept_as_written_is_the_time_iso_would_write(seconds):
    from datetime import datetime, timedelta

    written = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")
    raw = orjson.dumps({"specversion": "1.0", "id": "b-1", "source": "s", "type": "wsis.ballot.cast", "time": written, "data": {}})
    event = wire.read(raw)
    if event.text is not None:
        assert event.text == wire.iso(event.at) == written
    body = orjson.loads(wire.event_bytes("id-1", "s", "wsis.vote.accepted", event.at, {}, "b-1", event.text))
    assert body["time"] == wire.iso(event.at)


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=300)
@given(
    st.binary(min_size=16, max_size=16), texts, st.sampled_from(["wsis.vote.accepted", "wsis.vote.rejected", 'a"\\b']),
    st.integers(min_value=0, max_value=253402300799_999_999), st.dictionaries(texts, st.one_of(texts, st.integers(-(2**63), 2**63 - 1), st.none()), max_size=4),
    texts, st.booleans(),
)
def test_an_answer_filled_in_is_the_answer_built_as_a_dict(key, source, kind, at, data, cause, as_written):
    text = wire.iso(at) if as_written else None
    filled = wire.keyed_event_bytes(key, source, kind, at, data, cause, text)
    assert filled == wire.event_bytes(wire.uuid_text(key), source, kind, at, data, cause, text)


@given(texts, texts, texts, texts)
def test_an_answer_id_is_the_uuid5_the_foundation_gives_an_answer(kind, source, cause, key):
    from shared.envelope import CloudEvent, event_id

    cause_event = CloudEvent.model_construct(id=cause, source=source)
    assert wire.uuid_text(wire.answer_id(kind, source, cause, key)) == event_id(kind, cause_event, key)


def micros_of(text: str) -> int:
    from datetime import datetime

    return micros(datetime.fromisoformat(text))


NOMINEES = {p: Nominee(1, "e") for p in ("a", "b", "c", "d", "e", "f", "g")}
ROOT = "ab" * 32


def test_progress_lists_every_nominee_with_votes_and_shared_ranks():
    counts = {1: {"a": (3, 10), "b": (3, 20), "c": (1, 5)}}
    report = tally.progress(2, "2021-03-15T00:00:00Z", ROOT, [1, 2], counts, NOMINEES)
    first = report["categories"][0]["projects"]
    assert [(p["project_id"], p["votes"], p["rank"]) for p in first[:4]] == [("a", 3, 1), ("b", 3, 1), ("c", 1, 3), ("d", 0, 4)]
    assert len(first) == 7 and report["categories"][1] == {"category": 2, "projects": []}
    assert report["week"] == 2 and report["ballots_root"] == ROOT


def test_a_tie_across_the_fifth_place_goes_to_the_project_that_reached_its_count_first():
    counts = {1: {"a": (9, 1), "b": (8, 1), "c": (7, 1), "d": (6, 1), "e": (5, 300), "f": (5, 200), "g": (5, 400)}}
    result = tally.closed("2021-03-31T21:00:00Z", ROOT, [1], counts, NOMINEES, 5)["categories"][0]
    assert result["finalists"] == ["a", "b", "c", "d", "f"]
    assert result["ties"] == ["f", "e", "g"]
    assert [t["project_id"] for t in result["tally"]] == ["a", "b", "c", "d", "f", "e", "g"]


def test_a_tie_inside_the_top_five_is_no_tie_for_the_panel():
    counts = {1: {"a": (9, 1), "b": (9, 2), "c": (7, 1), "d": (6, 1), "e": (5, 3), "f": (4, 1)}}
    result = tally.closed("x", ROOT, [1], counts, NOMINEES, 5)["categories"][0]
    assert result["finalists"] == ["a", "b", "c", "d", "e"] and result["ties"] == []


def test_projects_without_votes_tie_by_id_after_every_voted_one():
    result = tally.closed("x", ROOT, [1], {1: {"g": (1, 1)}}, NOMINEES, 5)["categories"][0]
    assert result["finalists"] == ["g", "a", "b", "c", "d"]
    assert result["ties"] == ["a", "b", "c", "d", "e", "f"]
