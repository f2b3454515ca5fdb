"""The call's two publications, as plain data: the WSIS Stocktaking Report and "WSIS Stocktaking: Success Stories".

Who is in them comes from judging's public events (the nominee list, the
awards); what they say, from the entries as intake stored them
(`wsis.submission.received` on `wsis:out:submission`, the latest revision of
each). That stream carries the coordinator's name and address: an entry is
copied field by field from a list of what may be published, so no personal
data (nor any field the contract may add later) gets in by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from report import streams
from report.raw import RawConnection
from shared import topology
from shared.contest import Contest
from shared.events import T

STOCKTAKING = "stocktaking"
SUCCESS_STORIES = "success-stories"
TITLES = {STOCKTAKING: "WSIS Stocktaking Report", SUCCESS_STORIES: "WSIS Stocktaking: Success Stories"}
# The entry's answers, in the order of the call's form, with the heading each gets in print.
ANSWERS = (
    ("short_description", "Short description"),
    ("action_lines_sdg_linkage", "Link to the WSIS action lines and the SDGs"),
    ("impact", "Impact"),
    ("partnerships", "Partnerships"),
    ("challenges_and_prospects", "Challenges and prospects"),
)
ENTITY_FIELDS = ("entity_id", "name", "stakeholder_type", "country")
OWNER_FIELDS = ("entity_id", "name", "country")  # an organisation's, as the entity's


class NotYet(RuntimeError):
    """The publication's facts are not published yet (the nominee list, the awards)."""


@dataclass
class Facts:
    """What the publications are made of, as read from the bus."""

    nominees: dict[int, list[dict[str, Any]]] | None = None
    awards: dict[int, dict[str, Any]] | None = None
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # submission id -> latest `received` data

    def judging(self, raw: bytes | None) -> None:
        kind, data = _parsed(raw)
        if kind == T.NOMINATIONS_PUBLISHED and self.nominees is None:  # once; a repeat after a redelivery is dropped
            self.nominees = {c["category"]: list(c.get("nominees", [])) for c in data.get("categories", [])}
        elif kind == T.AWARDS_ANNOUNCED and self.awards is None:
            self.awards = {c["category"]: c for c in data.get("categories", [])}

    def received(self, raw: bytes | None, wanted: set[str]) -> None:
        kind, data = _parsed(raw)
        sid = data.get("submission_id")
        if kind != T.SUBMISSION_RECEIVED or sid not in wanted:
            return
        if data.get("revision", 0) >= self.entries.get(sid, {}).get("revision", 0):
            self.entries[sid] = publishable(data)


def _parsed(raw: bytes | None) -> tuple[str, dict[str, Any]]:
    try:
        event = orjson.loads(raw or b"")
        return str(event["type"]), event["data"] if isinstance(event["data"], dict) else {}
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return "", {}


def publishable(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's fields a publication may print: never the coordinator."""
    kept: dict[str, Any] = {
        "submission_id": entry.get("submission_id"),
        "title": entry.get("title", ""),
        "category": entry.get("category"),
        "entity": {k: entry.get("entity", {}).get(k) for k in ENTITY_FIELDS if entry.get("entity", {}).get(k)},
        "status": entry.get("status"),
        "sdgs": list(entry.get("sdgs", [])),
        "answers": [{"key": key, "heading": heading, "text": entry.get(key) or ""} for key, heading in ANSWERS],
        "revision": entry.get("revision", 0),
    }
    if isinstance(entry.get("owner"), dict):
        kept["owner"] = {k: entry["owner"][k] for k in OWNER_FIELDS if entry["owner"].get(k)}
    if entry.get("website"):
        kept["website"] = entry["website"]
    return kept


async def gather(conn: RawConnection) -> Facts:
    """The nominee list and the awards from `wsis:out:judging`, then the entries they name."""
    facts = Facts()
    await streams.read_all(conn, [topology.OUT_JUDGING], lambda _s, raw, _id: facts.judging(raw))
    wanted = {n["submission_id"] for names in (facts.nominees or {}).values() for n in names}
    wanted |= {sid for a in (facts.awards or {}).values() for sid in [a.get("winner"), *a.get("champions", [])] if sid}
    await streams.read_all(conn, [topology.OUT_SUBMISSION], lambda _s, raw, _id: facts.received(raw, wanted))
    return facts


def read(url: str) -> Facts:
    """`gather` from the server at `url`."""
    return streams.run(url, gather)


def build(kind: str, facts: Facts, contest: Contest) -> dict[str, Any]:
    """The publication `kind` (stocktaking or success-stories); `NotYet` before its facts are published."""
    if kind == STOCKTAKING:
        if facts.nominees is None:
            raise NotYet("no nominee list yet: the stocktaking export follows `wsis.nominations.published`")
        people = {c: [(n["submission_id"], "nominee") for n in names] for c, names in facts.nominees.items()}
    else:
        if facts.awards is None:
            raise NotYet("the awards are not announced yet: success stories are published after `wsis.awards.announced`")
        people = {c: _awarded(a) for c, a in facts.awards.items()}
    listed = {n["submission_id"]: n for names in (facts.nominees or {}).values() for n in names}
    categories: list[dict[str, Any]] = []
    for number in sorted(c for c in people if people[c]):
        spec = contest.categories.get(number)
        entries = [_entry(sid, role, number, facts.entries.get(sid), listed.get(sid, {})) for sid, role in people[number]]
        categories.append({"category": number, "action_line": spec.action_line if spec else "", "title": spec.title if spec else "",
                           "entries": entries})  # fmt: skip
    roles = [e["role"] for c in categories for e in c["entries"]]
    return {
        "publication": kind, "title": TITLES[kind], "contest": contest.name,
        "counts": {role: roles.count(role) for role in ("winner", "champion", "nominee") if role in roles},
        "missing": sorted(e["submission_id"] for c in categories for e in c["entries"] if not e["found"]),
        "categories": categories,
    }  # fmt: skip


def _awarded(awards: dict[str, Any]) -> list[tuple[str, str]]:
    """A category's winner first, then its champions."""
    winner = [(awards["winner"], "winner")] if awards.get("winner") else []
    return winner + [(sid, "champion") for sid in awards.get("champions", [])]


def _entry(sid: str, role: str, category: int, entry: dict[str, Any] | None, listed: dict[str, Any]) -> dict[str, Any]:
    """One entry as published; from the nominee list alone (ids and title) when intake's copy is not on the stream."""
    if entry is None:
        entity = {"entity_id": listed["entity_id"]} if listed.get("entity_id") else {}
        return {"submission_id": sid, "role": role, "found": False, "title": listed.get("title", ""), "category": category,
                "entity": entity, "sdgs": [], "answers": []}  # fmt: skip
    return {**entry, "submission_id": sid, "role": role, "found": True}
