"""V2's strict profile and V3's own project through the voting service, on both databases:
members matched to an entry's submitter or owner by name and country, entries read from
intake's stream and kept durably, a store made by the earlier version upgraded at start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from services.voting import store
from services.voting.app import build
from shared import topology
from shared.db import make_engine
from tests.support.events import ballot, cloudevent, member, nominees
from tests.support.factories import submission
from tests.support.streams import answers_to, consumed, publish, wait_for

LIST = {4: [("p-1", "org-1"), ("p-2", "org-2")]}
RELEASE_0_1 = Path(__file__).resolve().parents[1] / "data" / "schema-0.1"  # the voting tables before organisations were kept
GENEVA = {"name": "Université de Genève", "country": "CH"}


def received(submission_id: str, entity_id: str, revision: int = 1, **changes: Any) -> dict[str, Any]:
    """`wsis.submission.received` as intake publishes it."""
    entry = submission(submission_id, **changes)
    entry["entity"] = {**entry["entity"], "entity_id": entity_id}
    data = {**entry, "received_at": "2021-01-10T10:00:00Z", "revision": revision}
    return cloudevent("wsis.submission.received", data, id_=f"rcv-{submission_id}-{revision}", source="wsis-prizes/submission")


async def entries_and_list(redis, *extra: dict[str, Any]) -> None:
    await publish(redis, topology.OUT_SUBMISSION, received("p-1", "org-1"))  # Open Schools Network, KE
    await publish(redis, topology.OUT_SUBMISSION, received("p-2", "org-2", entity={**submission()["entity"], "name": "Radio Lumière"}, owner=GENEVA))
    for event in extra:
        await publish(redis, topology.OUT_SUBMISSION, event)
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))


async def verdicts(redis, cases: dict[str, dict[str, Any]]) -> dict[str, str]:
    for sent in cases.values():
        await publish(redis, topology.IN_BALLOTS, sent)
    ids = {sent["id"] for sent in cases.values()}
    out = await wait_for(redis, topology.OUT_VOTING, lambda seen: ids <= {e["causationid"] for e in seen}, timeout=20)
    return {name: answers_to(out, sent["id"])[0]["data"].get("reason", "accepted") for name, sent in cases.items()}


async def test_members_are_matched_to_an_entrys_organisations_by_name_and_country_and_profiles_are_strict(settings, redis):
    registrations = [
        member("v-name", name="OPEN schools, network", country="ke"),  # no entity id: the submitter by name
        member("v-owner", name="Universite de Geneve", country="CH"),  # the owner by name
        member("v-abroad", name="Open Schools Network", country="UG"),  # same name, another country
        member("v-ids", entity_id="org-9", name="Open Schools Network", country="KE"),  # both have ids, they differ
        member("v-type", type="ngo"),
        member("v-xx", country="XX"),
        member("v-mail", email="not-an-email"),
    ]
    async with build(settings).app:
        for registration in registrations:
            await publish(redis, topology.IN_STAKEHOLDERS, registration)
        await entries_and_list(redis, received("p-9", "org-5", title="Not nominated"))
        got = await verdicts(redis, {
            "v-name": ballot("v-name", 4, "p-1"),
            "v-owner": ballot("v-owner", 4, "p-2"),
            "v-owner other": ballot("v-owner", 4, "p-1"),
            "v-abroad": ballot("v-abroad", 4, "p-1"),
            "v-ids": ballot("v-ids", 4, "p-1"),
            "v-type": ballot("v-type", 4, "p-1"),
            "v-xx": ballot("v-xx", 4, "p-1"),
            "v-mail": ballot("v-mail", 4, "p-1"),
        })  # fmt: skip

    assert got == {
        "v-name": "own_project", "v-owner": "own_project", "v-owner other": "accepted", "v-abroad": "accepted", "v-ids": "accepted",
        "v-type": "profile_incomplete", "v-xx": "profile_incomplete", "v-mail": "profile_incomplete",
    }  # fmt: skip


async def test_an_entrys_latest_revision_names_its_owner_and_survives_a_restart_without_the_stream(settings, redis):
    later = received("p-1", "org-1", revision=2, owner=GENEVA)
    async with build(settings).app:
        await entries_and_list(redis, later, received("p-1", "org-1", revision=1))  # an older revision after: the later stands
        await consumed(redis, topology.OUT_SUBMISSION, "voting")
        await consumed(redis, topology.OUT_JUDGING, "voting")
    await redis.delete(topology.OUT_SUBMISSION)  # trimmed away: the service's own table remembers

    async with build(settings).app:
        await publish(redis, topology.IN_STAKEHOLDERS, member("v-owner", name="université de genève", country="ch"))
        got = await verdicts(redis, {"p-1": ballot("v-owner", 4, "p-1"), "p-2": ballot("v-owner", 4, "p-2")})

    assert got == {"p-1": "own_project", "p-2": "own_project"}


async def test_a_store_made_before_organisations_were_kept_is_upgraded_and_its_members_still_vote(settings, redis):
    engine = make_engine("voting", settings.data_dir, settings.database_url)
    ddl = (RELEASE_0_1 / f"voting.{engine.dialect.name}.sql").read_text(encoding="utf-8")
    with engine.begin() as conn:
        for statement in filter(str.strip, ddl.split(";\n")):
            conn.execute(text(statement))
        conn.execute(text("INSERT INTO voting_member VALUES ('v-old', NULL, TRUE, '00000000000000000001-00000000000000000000')"))
    async with build(settings).app:
        await entries_and_list(redis)
        got = await verdicts(redis, {"v-old": ballot("v-old", 4, "p-1")})  # known from the store alone
        await publish(redis, topology.IN_STAKEHOLDERS, member("v-new", name="Open Schools Network", country="KE"))
        got |= await verdicts(redis, {"v-new": ballot("v-new", 4, "p-1")})

    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT user_id, org_key FROM voting_member")).all())
        kept = store.projects(conn)
    engine.dispose()
    assert got == {"v-old": "accepted", "v-new": "own_project"}
    assert rows == {"v-old": None, "v-new": "KE openschoolsnetwork"}
    assert {row.submission_id: (row.entity_key, bool(row.has_owner), row.owner_key) for row in kept} == {
        "p-1": ("KE openschoolsnetwork", False, None), "p-2": ("KE radiolumiere", True, "CH universitedegeneve"),
    }
