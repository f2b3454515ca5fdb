"""The HTML report: one self-contained page (inline CSS and SVG, no script, nothing fetched)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"
BAR = "#2f7dc1"
EMPTY = "#d5dbe3"


def bar_chart(values: list[int | None], labels: list[str], title: str) -> str:
    """Votes per week as bars; a week not reported yet is an empty outline."""
    width, height, top, bottom, left = 340, 150, 18, 34, 8
    slot = (width - 2 * left) / max(1, len(values))
    peak = max([v for v in values if v] or [1])
    bars = []
    for n, (value, label) in enumerate(zip(values, labels, strict=True)):
        x = left + n * slot + slot * 0.15
        w = slot * 0.7
        h = 0 if not value else (height - top - bottom) * value / peak
        y = height - bottom - h
        if value is None:
            bars.append(f'<rect x="{x:.1f}" y="{height - bottom - 2}" width="{w:.1f}" height="2" fill="{EMPTY}"/>')
        else:
            bars.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{BAR}"><title>{escape(label)}: {value:,}</title></rect>')
            bars.append(f'<text x="{x + w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{value:,}</text>')
        bars.append(f'<text x="{x + w / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle">week {n + 1}</text>')
        bars.append(f'<text x="{x + w / 2:.1f}" y="{height - bottom + 27}" text-anchor="middle" font-size="9">{escape(label)}</text>')
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="100%" '
            f'xmlns="http://www.w3.org/2000/svg"><line x1="{left}" x2="{width - left}" y1="{height - bottom}" y2="{height - bottom}" '
            f'stroke="#9aa6b2"/>{"".join(bars)}</svg>')  # fmt: skip


def heatmap(view: dict[str, Any]) -> str:
    """Categories by weeks, each cell shaded by its votes."""
    weeks = view["weeks"]
    rows = view["categories"]
    cell_w, cell_h, left, top = 92, 20, 300, 26
    width, height = left + cell_w * len(weeks) + 10, top + cell_h * len(rows) + 6
    peak = max([v for c in rows for v in c["votes_per_week"] if v] or [1])
    parts = [f'<text x="{left + cell_w * n + cell_w / 2}" y="16" text-anchor="middle">week {w["week"]} ({escape(w["start"])})</text>'
             for n, w in enumerate(weeks)]  # fmt: skip
    for r, c in enumerate(rows):
        y = top + r * cell_h
        parts.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">{c["category"]}. {escape(_short(c["title"], 40))}</text>')
        for n, value in enumerate(c["votes_per_week"]):
            shade = 0.08 + 0.92 * (value or 0) / peak
            fill = f"rgba(47,125,193,{shade:.2f})" if value is not None else EMPTY
            parts.append(f'<rect x="{left + n * cell_w + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}"/>')
            if value is not None:
                colour = "#fff" if shade > 0.55 else "#1d2733"
                parts.append(f'<text x="{left + n * cell_w + cell_w / 2}" y="{y + 14}" text-anchor="middle" style="fill:{colour}">{value:,}</text>')
    return (f'<svg class="chart overview" role="img" aria-label="votes per week and category" viewBox="0 0 {width} {height}" '
            f'width="100%" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')  # fmt: skip


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip(" ,") + "\u2026"


def render(view: dict[str, Any]) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    labels = [f"{w['start']}" for w in view["weeks"]]
    charts = [bar_chart(c["votes_per_week"], labels, f"votes per week, category {c['category']}") for c in view["categories"]]
    return env.get_template("report.html.j2").render(view=view, charts=charts, overview=heatmap(view))
