"""`wsis verify-ballot`: whether a vote counts in the latest published `ballots_root`, with its proof. Pure.

From the replay of `wsis:out:voting` (report/tally_check.py): the ballot's
answer, the latest report, the votes it counts rebuilt from the stream and
their root, which must be the published one; then the vote's leaf and the
sibling digests from it up to that root.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from report.tally_check import Replay, Report, Vote, instant
from services.voting.domain import merkle
from shared.events import T


@dataclass
class Verdict:
    counts: bool
    lines: list[str] = field(default_factory=list)


def verify(replay: Replay, ballot_id: str) -> Verdict:
    verdict = Verdict(False)
    say = verdict.lines.append
    if not replay.answers:
        say(f"ballot {ballot_id}: no answer on wsis:out:voting (not received yet, or not a ballot of this contest)")
        return verdict
    for answer in replay.answers:
        data = answer["data"]
        outcome = "accepted" if answer["type"] == T.VOTE_ACCEPTED else f"rejected: {data.get('reason')}"
        say(f"ballot {ballot_id}: {outcome} (category {data.get('category')}, project {data.get('project_id')}, time {answer['time']})")
    if not replay.reports:
        say("no report published yet: nothing to check against")
        return verdict
    report = replay.reports[-1]
    mine = [vote for vote in report.votes if vote.ballot_id == ballot_id]
    say(f"latest report: the {report.name}, as of {report.as_of}, counting {len(report.votes):,} votes")
    say(f"published ballots_root: {report.published_root}")
    leaves = report.leaves()
    rebuilt = merkle.root(leaves).hex()
    if rebuilt != report.published_root:
        say(f"rebuilt from the stream: {rebuilt}: the stream does not reproduce the published root")
        return verdict
    say("rebuilt from the stream: the same")
    if not mine:
        say(_why_not(replay, report))
        return verdict
    for vote in mine:
        verdict.counts = _prove(vote, leaves, bytes.fromhex(report.published_root), say) or verdict.counts
    return verdict


def _why_not(replay: Replay, report: Report) -> str:
    accepted = [a for a in replay.answers if a["type"] == T.VOTE_ACCEPTED]
    if not accepted:
        return "the vote does not count: the ballot was not accepted"
    if any(a["data"].get("voter_id") in replay.annulled for a in accepted):
        return "the vote does not count: staff annulled the voter's votes (wsis.votes.annulled)"
    if all(instant(a["time"]) >= instant(report.as_of) for a in accepted):
        return f"the vote does not count in it: the ballot is timed at or after {report.as_of}"
    return "the vote does not count in it: its answer came after the report (a later report will count it)"


def _prove(vote: Vote, leaves: list[bytes], root: bytes, say: Callable[[str], None]) -> bool:
    digest = vote.leaf
    index = leaves.index(digest)
    steps = merkle.proof(leaves, index)
    say(f"leaf: {digest.hex()} = SHA-256 of {vote.ballot_id!r} + '\\n' + '{vote.category}' + '\\n' + {vote.project_id!r}")
    say(f"position: {index + 1:,} of {len(leaves):,} (ordered by ballot id)")
    say(f"proof ({len(steps)} steps, from the leaf up; each: SHA-256 of left + right):")
    for n, step in enumerate(steps, 1):
        say(f"  {n:2}. sibling on the {step.side:5}  {step.sibling.hex()}")
    ok = merkle.verify(digest, steps, root)
    say("the vote counts: its proof leads to the published ballots_root" if ok else "the proof does not lead to the published root")
    return ok
