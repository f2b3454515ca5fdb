#!/usr/bin/env python3
"""Check every WSIS Prizes tally on a dump of `wsis:out:voting`, with the Python standard library alone.

    python3 verify_tally.py voting.jsonl

The dump is one CloudEvent (JSON) a line, in stream order; other lines are
skipped, so both of these make one:

    wsis voting-dump -o voting.jsonl
    redis-cli --raw XRANGE wsis:out:voting - + > voting.jsonl

For each `wsis.voting.progress` and `wsis.voting.closed` it rebuilds the
votes the report counts: every `wsis.vote.accepted` before it in the dump
whose `time` is before its `as_of`, except the votes of voters named by a
`wsis.votes.annulled` before it (an event present twice counts once, by its
`id`). From them it recounts each project's votes (and ranks, finalists
and ties) and the `ballots_root` of CONTRACT 5.2, and prints `match` or
`MISMATCH` per report. Exit status: 0 every report matches, 1 a mismatch,
2 nothing to check (no report, or no such file).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from datetime import datetime, timezone

ACCEPTED = "wsis.vote.accepted"
ANNULLED = "wsis.votes.annulled"
PROGRESS = "wsis.voting.progress"
CLOSED = "wsis.voting.closed"
FINALISTS = 5
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


def instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def leaf(ballot_id, category, project_id):
    return hashlib.sha256((ballot_id + "\n" + str(category) + "\n" + project_id).encode("utf-8")).digest()


def merkle_root(votes):
    """Leaves ordered by ballot id (code points; equal ids by digest), paired left to right, an odd last one up alone."""
    level = [digest for _, digest in sorted((ballot_id, leaf(ballot_id, c, p)) for ballot_id, c, p, *_ in votes)]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        paired = [hashlib.sha256(level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        level = paired + ([level[-1]] if len(level) % 2 else [])
    return level[0].hex()


def events(path):
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and isinstance(event.get("data"), dict) and "id" in event:
                yield event


def recount(votes):
    """{category: {project: (votes, time of its last vote)}}."""
    counts = defaultdict(dict)
    for _, category, project, at, _ in votes:
        n, last = counts[category].get(project, (0, at))
        counts[category][project] = (n + 1, max(last, at))
    return counts


def standing(counted, listed):
    """Most votes first; equal votes: the one that reached its count earlier, then by id (the contract's tie rule)."""
    def order(project):
        n, reached = counted.get(project, (0, EARLIEST))
        return (-n, reached, project)

    return sorted(set(listed) | set(counted), key=order)


def problems_of(report, votes):
    data, found = report["data"], []
    counts = recount(votes)
    for entry in data.get("categories", []):
        category = entry["category"]
        counted = counts.get(category, {})
        rows = entry["projects"] if report["type"] == PROGRESS else entry["tally"]
        published = {row["project_id"]: row["votes"] for row in rows}
        for project in sorted(set(published) | set(counted)):
            want = counted.get(project, (0, None))[0]
            if published.get(project) != want:
                found.append(f"category {category}, {project}: published {published.get(project)}, recounted {want}")
        if report["type"] == PROGRESS:
            for row in rows:
                rank = 1 + sum(1 for other in published.values() if other > row["votes"])
                if row["rank"] != rank:
                    found.append(f"category {category}, {row['project_id']}: rank {row['rank']}, expected {rank}")
        else:
            order = standing(counted, published)
            if entry["finalists"] != order[:FINALISTS]:
                found.append(f"category {category}: finalists {entry['finalists']}, expected {order[:FINALISTS]}")
            votes_of = [counted.get(project, (0, EARLIEST))[0] for project in order]
            tied = len(order) > FINALISTS and votes_of[FINALISTS - 1] == votes_of[FINALISTS]
            ties = [p for p, n in zip(order, votes_of) if n == votes_of[FINALISTS - 1]] if tied else []
            if entry["ties"] != ties:
                found.append(f"category {category}: ties {entry['ties']}, expected {ties}")
    for category in set(counts) - {entry["category"] for entry in data.get("categories", [])}:
        found.append(f"category {category}: {sum(n for n, _ in counts[category].values())} votes, not in the report")
    root = merkle_root(votes)
    if data.get("ballots_root") != root:
        found.append(f"ballots_root: published {data.get('ballots_root')}, recomputed {root}")
    return found


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    accepted, annulled, seen, checked, failed = [], set(), set(), 0, 0
    try:
        for event in events(argv[1]):
            kind = event.get("type")
            if kind not in (ACCEPTED, ANNULLED, PROGRESS, CLOSED) or event["id"] in seen:
                continue
            seen.add(event["id"])
            data = event["data"]
            if kind == ACCEPTED:
                accepted.append((data["ballot_id"], data["category"], data["project_id"], instant(event["time"]), data["voter_id"]))
                continue
            if kind == ANNULLED:
                annulled.update(data["voter_ids"])
                continue
            cut = instant(data["as_of"])
            votes = [vote for vote in accepted if vote[3] < cut and vote[4] not in annulled]
            name = f"progress of week {data.get('week')}" if kind == PROGRESS else "close"
            found = problems_of(event, votes)
            checked += 1
            failed += bool(found)
            print(f"{name} as of {data['as_of']}: {len(votes)} votes, " + ("MISMATCH" if found else f"match, ballots_root {data.get('ballots_root')}"))
            for problem in found:
                print(f"  {problem}")
    except OSError as exc:
        print(f"cannot read {argv[1]}: {exc}", file=sys.stderr)
        return 2
    if not checked:
        print("no progress or close report in the dump: nothing to check", file=sys.stderr)
        return 2
    print(f"{checked} reports: " + (f"{failed} MISMATCH" if failed else "every tally and ballots_root matches"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
