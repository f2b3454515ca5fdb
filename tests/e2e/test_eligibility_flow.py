"""Eligibility end to end: `wsis up`, entries in through `wsis:in:submissions`, verdicts out of `wsis:out:eligibility`."""

from __future__ import annotations

from tests.support.events import cloudevent
from tests.support.factories import submission
from tests.support.streams import put, read
from tests.support.texts import ENGLISH, FRENCH
from tests.support.waiting import wait_until

IN, OUT = "wsis:in:submissions", "wsis:out:eligibility"
RULES = 11


def verdicts(client) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for event in read(client, OUT):
        found.setdefault(event["data"]["submission_id"], []).append(event["data"])
    return found


def wait_for_verdicts(client, count: int, timeout: float = 90.0) -> dict[str, list[dict]]:
    """The verdicts by entry, once there are `count` of them."""

    def enough() -> dict[str, list[dict]] | None:
        found = verdicts(client)
        return found if sum(len(v) for v in found.values()) >= count else None

    return wait_until(enough, what=lambda: f"{count} verdicts; saw {verdicts(client)}", timeout=timeout, every=0.2)


def send(client, sid: str, time_: str, entity: str = "org-1", **fields) -> None:
    data = submission(sid, **fields)
    data["entity"] = {**data["entity"], "entity_id": entity, "name": f"Organisation {entity}"}
    put(client, IN, cloudevent("wsis.submission.submitted", data, time_=time_))


def result(verdict: dict, rule_id: str) -> str:
    return next(r["result"] for r in verdict["rules"] if r["rule"] == rule_id)


def test_entries_published_on_the_platforms_stream_are_screened_across_a_restart(system):
    client = system.start()
    original = {"title": "Digital Villages", "short_description": ENGLISH[0]}
    send(client, "village", "2021-01-10T09:00:00+01:00", **original)
    send(client, "copy", "2021-01-11T09:00:00+01:00", entity="org-2", category=9,
         title="DIGITAL VILLAGES.", short_description=ENGLISH[0].replace(",", " ,"))  # fmt: skip
    send(client, "second", "2021-01-12T09:00:00+01:00", title="Open Health Records", short_description=ENGLISH[1])
    french = {k: FRENCH[1] for k in ("action_lines_sdg_linkage", "impact", "partnerships", "challenges_and_prospects")}
    send(client, "french", "2021-01-13T09:00:00+01:00", entity="org-3", title="Villages numériques", short_description=FRENCH[0], **french)
    send(client, "late", "2021-01-25T23:00:00+01:00", entity="org-4", title="Code for Her", short_description=ENGLISH[2])

    found = wait_for_verdicts(client, 5)

    assert all(len(v[0]["rules"]) == RULES for v in found.values())
    assert found["village"][0]["outcome"] == "eligible"
    assert result(found["copy"][0], "S4.not_submitted_twice") == "fail" and found["copy"][0]["related"] == ["village"]
    assert result(found["second"][0], "S3.one_per_entity_category") == "fail"
    assert result(found["french"][0], "S10.english") == "fail"
    assert result(found["late"][0], "S9.deadline") == "fail"
    assert system.interrupt() == 0

    client = system.start()
    near = original | {"short_description": ENGLISH[0] + " Twelve more villages join the network in 2021."}
    send(client, "near", "2021-01-14T09:00:00+01:00", entity="org-5", category=2, **near)
    send(client, "village", "2021-01-15T09:00:00+01:00", **original, impact="A longer account of the impact. " * 12)

    found = wait_for_verdicts(client, 7)

    assert result(found["near"][0], "S4.not_submitted_twice") == "review" and found["near"][0]["related"] == ["village"]
    assert len(found["village"]) == 2 and result(found["village"][1], "S3.one_per_entity_category") == "pass"
    assert len(found["second"]) == 1  # the amendment of the first entry changed nothing for the second
