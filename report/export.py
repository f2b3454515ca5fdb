"""The report's files: the HTML page, and the same data as JSON and Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from report import html
from report.markdown import cell


def markdown(view: dict[str, Any]) -> str:
    entries, votes = view["entries"], view["votes"]
    lines = [f"# {cell(view['contest'])}", "", f"Phase: {cell(view['phase'])}.", ""]
    if not view["announced"]:
        lines += ["Until the ceremony every finalist is called a champion.", ""]
    lines += ["## Entries", "", "| outcome | entries |", "|---|---:|"]
    lines += [f"| {cell(k)} | {v:,} |" for k, v in entries["by_outcome"].items()] + [f"| **screened** | **{entries['screened']:,}** |", ""]
    lines += ["| failed rule | entries |", "|---|---:|"] + [f"| {cell(k)} | {v:,} |" for k, v in entries["failed_rules"].items()] + [""]
    lines += ["## Votes", "", "| answer | ballots |", "|---|---:|", f"| accepted | {votes['accepted']:,} |"]
    lines += [f"| rejected: {cell(k)} | {v:,} |" for k, v in votes["rejected"].items()] + [f"| **answered** | **{votes['answered']:,}** |", ""]
    weeks = view["weeks"]
    lines += ["## Results per category", "", "| # | category | nominees | " + " | ".join(f"week {w['week']}" for w in weeks) + " | finalists (votes) |",
              "|---:|---|---:|" + "---:|" * len(weeks) + "---|"]  # fmt: skip
    for c in view["categories"]:
        per_week = " | ".join("-" if v is None else f"{v:,}" for v in c["votes_per_week"])
        finalists = ", ".join(_finalist(f, c, view["announced"]) for f in c.get("finalists", [])) or "-"
        lines.append(f"| {c['category']} | {cell(c['action_line'])} {cell(c['title'])} | {c['nominees']} | {per_week} | {finalists} |")
    lines += ["", "## Emails", "", "| occasion | sent |", "|---|---:|"] + [f"| {cell(k)} | {v:,} |" for k, v in view["emails"]["sent"].items()]
    return "\n".join(lines) + "\n"


def _finalist(f: dict[str, Any], category: dict[str, Any], announced: bool) -> str:
    role = "winner" if announced and f["submission_id"] == category.get("winner") else "champion"
    return f"{cell(f['submission_id'])} ({f['votes']:,}, {role})"


def write(view: dict[str, Any], folder: Path) -> dict[str, Path]:
    """report.html, report.json and report.md in `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"html": folder / "report.html", "json": folder / "report.json", "markdown": folder / "report.md"}
    paths["html"].write_text(html.render(view), encoding="utf-8")
    paths["json"].write_bytes(orjson.dumps(view, option=orjson.OPT_INDENT_2))
    paths["markdown"].write_text(markdown(view), encoding="utf-8")
    return paths
