"""The results for a person at a terminal: a few rich tables, read at a glance."""

from __future__ import annotations

from typing import Any

from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from report.views import totals


def _counts(title: str, counts: dict[str, int], total: int | None = None) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False, min_width=len(title))
    table.add_column(style="cyan", no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    for key, value in counts.items():
        table.add_row(key, f"{value:,}")
    if total is not None:
        table.add_row(Text("total", style="bold"), Text(f"{total:,}", style="bold"))
    return table


def overview(view: dict[str, Any]) -> Columns:
    """Six small tables side by side, as many to a row as the terminal holds."""
    entries, nominations, votes = view["entries"], view["nominations"], view["votes"]
    return Columns([
        _counts("entries by outcome", entries["by_outcome"], entries["screened"]),
        _counts("rules failed (N: pre-checks)", entries["failed_rules"] or {"none": 0}),
        _counts("needs review, by rule", entries["review_rules"] or {"none": 0}),
        _counts("nominations", {"recorded": nominations["recorded"], **{f"refused {k}": v for k, v in nominations["refused"].items()},
                                "on the published list": nominations["nominees"]}),
        _counts("ballots", {"accepted": votes["accepted"], "rejected": sum(votes["rejected"].values()),
                            **{f"  {k}": v for k, v in votes["rejected"].items()}}, votes["answered"]),
        _counts("emails sent", view["emails"]["sent"] or {"none": 0}, sum(view["emails"]["sent"].values())),
    ], padding=(1, 4))  # fmt: skip


def categories(view: dict[str, Any]) -> Table:
    """One row a category; the winner has a column of its own only once the awards are announced."""
    announced = view["announced"]
    table = Table(title="results per category" + ("" if announced else " (until the ceremony every finalist is a champion)"),
                  title_justify="left")  # fmt: skip
    table.add_column("#", justify="right")
    table.add_column("category", no_wrap=True, overflow="ellipsis", max_width=20)
    table.add_column("nominees", justify="right")
    table.add_column("votes", justify="right")
    if announced:
        table.add_column("winner (votes)", style="bold green", no_wrap=True)
    table.add_column("champions (votes)")
    for c in view["categories"]:
        finalists = c.get("finalists", [])
        winner = [f for f in finalists if announced and f["submission_id"] == c.get("winner")]
        champions = ", ".join(_finalist(f) for f in finalists if f not in winner) or "-"
        row = [str(c["category"]), f"{c['action_line']} {c['title']}", str(c["nominees"]), f"{c['votes']:,}" if "votes" in c else "-"]
        table.add_row(*row, *([_finalist(winner[0]) if winner else "-"] if announced else []), champions)
    return table


def _finalist(f: dict[str, Any]) -> str:
    return f"{f['submission_id']} ({f['votes']:,}{', tied' if f['tied'] else ''})"


def render(view: dict[str, Any]) -> RenderableType:
    head = Text.assemble((view["contest"], "bold"), "  phase: ", (view["phase"], "yellow"))
    parts: list[RenderableType] = [head, overview(view), categories(view)]
    if view["announced"]:
        t = totals(view)
        parts.append(Text(f"{t['winners']} winners and {t['champions']} champions announced", style="bold green"))
    return Group(*parts)
