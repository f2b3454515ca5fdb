"""Findings as staff read them: lines for the terminal, plain data for `--json` and the HTML report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from report.integrity.signals import Finding


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def as_data(finding: Finding) -> dict[str, Any]:
    return {
        "signal": finding.signal,
        "week": finding.week,
        "category": finding.category,
        "project_id": finding.project_id,
        "votes": finding.votes,
        "window": [_utc(finding.window[0]), _utc(finding.window[1])],
        "why": finding.why,
        "threshold": finding.threshold,
        "evidence": finding.evidence,
        "voter_ids": list(finding.voter_ids),
    }


def lines(findings: list[Finding]) -> list[str]:
    if not findings:
        return ["no integrity signal: nothing above its threshold"]
    out = [f"{len(findings)} integrity signal(s); they change no tally (annul with wsis.staff.votes_annulled)"]
    for f in findings:
        out += [
            f"week {f.week}  category {f.category}  project {f.project_id}  {f.signal}",
            f"  {f.why}",
            f"  window {_utc(f.window[0])} to {_utc(f.window[1])}",
            f"  threshold: {f.threshold}",
            f"  voters to look at ({len(f.voter_ids)}): {' '.join(f.voter_ids)}",
        ]
    return out
