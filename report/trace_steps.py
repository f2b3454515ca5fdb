"""What each event says about one entry, in one line and a few ids, rules and reasons.

Each describer takes an event's `data` and the entry's id and returns
`(line, details)`, or None when the event does not concern the entry. Only
ids, categories, rule ids, outcomes and reasons are kept: never a name, an
address, a voter, nor a mail server's error text (it may quote an address).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.events import T

Said = tuple[str, dict[str, Any]] | None
Describer = Callable[[dict[str, Any], str], Said]


def _own(describe: Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]) -> Describer:
    """A describer of events whose `submission_id` is the entry's."""
    return lambda data, sid: describe(data) if data.get("submission_id") == sid else None


def _rules(rules: list[dict[str, Any]], result: str) -> list[dict[str, str]]:
    return [{"rule": str(r.get("rule")), "reason": str(r.get("reason", ""))} for r in rules if r.get("result") == result]


def screened(data: dict[str, Any], sid: str) -> Said:
    if data.get("submission_id") != sid:
        if sid in (data.get("related") or []):
            other = data.get("submission_id")
            return f"named in the verdict of {other} ({data.get('outcome')})", {"submission_id": other, "outcome": data.get("outcome")}
        return None
    rules = data.get("rules") or []
    details: dict[str, Any] = {"outcome": data.get("outcome"), "nominable": bool(data.get("nominable")),
                               "failed": _rules(rules, "fail"), "review": _rules(rules, "review")}  # fmt: skip
    parts = [f"screened {data.get('outcome')}"]
    parts += [f"failed {r['rule']}: {r['reason']}" for r in details["failed"]]
    parts += [f"review {r['rule']}: {r['reason']}" for r in details["review"]]
    if data.get("related"):
        details["related"] = list(data["related"])
        parts.append("related to " + ", ".join(details["related"]))
    decided = data.get("decided_by")
    if isinstance(decided, dict):
        details["decided_by"] = {k: decided.get(k) for k in ("staff_member_id", "reason", "machine_outcome")}
        parts.append(f"decided by staff member {decided.get('staff_member_id')} (machine said {decided.get('machine_outcome')}): {decided.get('reason')}")
    parts.append("nominable" if details["nominable"] else "not nominable")
    return "; ".join(parts), details


def published(data: dict[str, Any], sid: str) -> Said:
    for c in data.get("categories", []):
        if any(n.get("submission_id") == sid for n in c.get("nominees", [])):
            return f"on the published nominee list, category {c.get('category')}", {"category": c.get("category")}
    return None


def awards(data: dict[str, Any], sid: str) -> Said:
    for c in data.get("categories", []):
        role = "winner" if c.get("winner") == sid else "champion" if sid in c.get("champions", []) else None
        if role:
            return f"announced {role} of category {c.get('category')}", {"category": c.get("category"), "role": role}
    return None


def progress(data: dict[str, Any], sid: str) -> Said:
    for c in data.get("categories", []):
        for p in c.get("projects", []):
            if p.get("project_id") == sid:
                details = {"week": data.get("week"), "category": c.get("category"), "votes": p.get("votes"), "rank": p.get("rank")}
                return f"voting progress, week {data.get('week')}: {p.get('votes')} votes, rank {p.get('rank')}", details
    return None


def closed(data: dict[str, Any], sid: str) -> Said:
    for c in data.get("categories", []):
        votes = next((t.get("votes") for t in c.get("tally", []) if t.get("project_id") == sid), None)
        finalist = sid in c.get("finalists", [])
        if finalist or votes is not None:
            details = {"category": c.get("category"), "votes": votes, "finalist": finalist, "tied": sid in c.get("ties", [])}
            line = f"voting closed: {votes} votes, " + ("a finalist (champion)" if finalist else "not a finalist")
            return line + (" (tied across fifth place)" if details["tied"] else ""), details
    return None


def notification(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    week = f", week {data['week']}" if data.get("week") is not None else ""
    details = {k: data.get(k) for k in ("notification_id", "occasion", "week") if data.get(k) is not None}
    return f"email {data.get('occasion')}{week} (notification {data.get('notification_id')})", details


def dead_letter(data: dict[str, Any], sid: str) -> Said:
    if f'"{sid}"' not in str(data.get("raw", "")):
        return None
    return f"an entry of {data.get('stream')} naming it was dead-lettered", {"stream": data.get("stream"), "entry_id": data.get("entry_id")}


def _sent(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    line, details = notification(data)
    return "sent " + line, details


def _failed(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    line, details = notification(data)
    return "failed to send " + line, details


DESCRIBERS: dict[str, Describer] = {
    T.SUBMISSION_SUBMITTED: _own(lambda d: (f"submitted in category {d.get('category')}", {"category": d.get("category")})),
    T.SUBMISSION_RECEIVED: _own(lambda d: (f"received, revision {d.get('revision')}", {"revision": d.get("revision"), "category": d.get("category")})),
    T.SUBMISSION_REJECTED: _own(lambda d: ("rejected by intake; fields: " + ", ".join(str(e.get("field")) for e in d.get("errors", [])),
                                           {"fields": [e.get("field") for e in d.get("errors", [])]})),  # fmt: skip
    T.SUBMISSION_SCREENED: screened,
    T.STAFF_SCREENING_DECIDED: _own(lambda d: (f"staff member {d.get('staff_member_id')} decided {d.get('outcome')}: {d.get('reason')}",
                                               {k: d.get(k) for k in ("outcome", "staff_member_id", "reason")})),  # fmt: skip
    T.SCREENING_REFUSED: _own(lambda d: (f"staff decision refused: {d.get('reason')}", {"reason": d.get("reason")})),
    T.PANEL_NOMINATED: _own(lambda d: (f"nominated by panel member {d.get('panel_member_id')} in category {d.get('category')}",
                                       {"category": d.get("category"), "panel_member_id": d.get("panel_member_id")})),  # fmt: skip
    T.PANEL_NOMINATION_WITHDRAWN: _own(lambda d: (f"nomination withdrawn by panel member {d.get('panel_member_id')}",
                                                  {"panel_member_id": d.get("panel_member_id")})),  # fmt: skip
    T.PANEL_WINNER_SELECTED: _own(lambda d: (f"selected as winner of category {d.get('category')} by panel member {d.get('panel_member_id')}",
                                             {"category": d.get("category"), "panel_member_id": d.get("panel_member_id")})),  # fmt: skip
    T.NOMINATION_RECORDED: _own(lambda d: (f"nomination recorded in category {d.get('category')}", {"category": d.get("category")})),
    T.NOMINATION_REFUSED: _own(lambda d: (f"nomination refused: {d.get('reason')}", {"category": d.get("category"), "reason": d.get("reason")})),
    T.NOMINATIONS_PUBLISHED: published,
    T.WINNER_REFUSED: _own(lambda d: (f"winner selection refused: {d.get('reason')}", {"category": d.get("category"), "reason": d.get("reason")})),
    T.AWARDS_ANNOUNCED: awards,
    T.VOTING_PROGRESS: progress,
    T.VOTING_CLOSED: closed,
    T.NOTIFICATION_SENT: _own(_sent),
    T.NOTIFICATION_FAILED: _own(_failed),
    T.DEADLETTER: dead_letter,
}
