"""The summary's integrity check: the planted campaign flagged by `wsis integrity`'s signals, the honest surge not (demo.campaign)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from demo.ballot_events import Nominee, popularity
from demo.ballots import CAMPAIGN, SURGE, VOTE
from demo.campaign import Planted, targets
from demo.checks import Check
from demo.members import Electorate
from report.integrity import collect, section, signals
from report.raw import RawConnection
from shared import topology
from shared.contest import Contest

NAME = "integrity: the campaign flagged, the honest surge not"


async def findings_on_the_bus(conn: RawConnection, votes: collect.Collected, contest: Contest) -> list[signals.Finding]:
    """What `wsis integrity` says of the running system: on the accepted votes the demo read as they came
    (`votes`, by the same `Collected`), with the members read now."""
    read = await collect.gather(conn, (topology.IN_STAKEHOLDERS,), votes)
    return signals.detect(read.votes(), read.members, contest.voting_weeks, contest.spec.integrity, contest.voting.start)


def planted(seed: int, nominees: Mapping[int, Sequence[Nominee]]) -> Planted:
    return targets(seed, nominees, popularity)


def _signals(found: list[signals.Finding]) -> str:
    return ", ".join(sorted({f.signal for f in found})) or "not flagged"


def integrity_check(findings: list[signals.Finding], where: Planted, electorate: Electorate) -> Check:
    """The campaign's project flagged as a cluster of its new accounts only; the surge's project not flagged at all."""
    if where.campaign is None or where.surge is None:
        return Check(NAME, False, "no campaign planted: too few nominees")
    opens = int(electorate.contest.voting.start.timestamp())
    campaigners = {m.user_id for m in electorate.members[electorate.regular :] if m.registered >= opens}
    on_campaign = [f for f in findings if (f.category, f.project_id) == where.campaign]
    on_surge = [f for f in findings if (f.category, f.project_id) == where.surge]
    cluster = next((f for f in on_campaign if f.signal == "new_account_cluster" and set(f.voter_ids) <= campaigners), None)
    others = len(findings) - len(on_campaign) - len(on_surge)
    told = f" ({cluster.votes} new accounts within {cluster.evidence['minutes']} min)" if cluster else ""
    return Check(NAME, cluster is not None and not on_surge,
                 f"campaign on {where.campaign[1]}: {_signals(on_campaign)}{told}; surge on {where.surge[1]}: {_signals(on_surge)}; "
                 f"{others} other finding(s)")  # fmt: skip


def simulated_findings(electorate: Electorate, cast: Sequence[tuple[str, int, str, int, int]], contest: Contest) -> list[signals.Finding]:
    """The signals on the planned ballots taken as accepted (valid kinds, complete profiles): without a running system."""
    known = {}
    for event in electorate.events:
        data = orjson.loads(event.body)["data"]
        known[data["user_id"]] = (collect.email_domain(data.get("email")), str(data["organization"].get("country") or ""))
    members = {m.user_id: signals.Member(m.user_id, datetime.fromtimestamp(m.registered, UTC), m.entity_id or "", *known[m.user_id][::-1])
               for m in electorate.members if m.complete}  # fmt: skip
    votes = [signals.Vote(voter, category, project, datetime.fromtimestamp(t, UTC))
             for voter, category, project, t, kind in cast if kind in (VOTE, CAMPAIGN, SURGE) and voter in members]  # fmt: skip
    return signals.detect(votes, members, contest.voting_weeks, contest.spec.integrity, contest.voting.start)


async def check_on_the_bus(url: str, votes: collect.Collected, seed: int, contest: Contest, electorate: Electorate,
                           nominees: Mapping[int, Sequence[Nominee]]) -> tuple[Check, list[dict[str, Any]]]:  # fmt: skip
    """The check, on what the running system holds once voting is over; and the findings for the report's section."""
    async with RawConnection(url) as conn:
        findings = await findings_on_the_bus(conn, votes, contest)
    return integrity_check(findings, planted(seed, nominees), electorate), section.summary(findings)
