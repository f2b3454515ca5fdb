"""A publication as a file: a print-ready HTML page (offline, inline CSS), JSON, or Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from jinja2 import Environment, FileSystemLoader, select_autoescape

from report.html import TEMPLATES
from report.markdown import cell, escape_md

FORMATS = ("html", "json", "md")


def html(pub: dict[str, Any]) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("publication.html.j2").render(pub=pub)


def as_json(pub: dict[str, Any]) -> str:
    return orjson.dumps(pub, option=orjson.OPT_INDENT_2).decode() + "\n"


def markdown(pub: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {role}{'s' if n != 1 else ''}" for role, n in pub["counts"].items())
    lines = [f"# {cell(pub['title'])}", "", f"{cell(pub['contest'])}: {counts}.", "", "## Contents", "",
             "| # | category | entries |", "|---:|---|---:|"]  # fmt: skip
    lines += [f"| {c['category']} | {cell(c['action_line'] + ' ' + c['title'])} | {len(c['entries'])} |" for c in pub["categories"]]
    for c in pub["categories"]:
        lines += ["", f"## {c['category']}. {cell(c['title'])}", "", f"WSIS action line {escape_md(c['action_line'])}.", "",
                  "| role | entry | title | entity | country |", "|---|---|---|---|---|"]  # fmt: skip
        lines += [f"| {e['role']} | {cell(e['submission_id'])} | {cell(e['title'])} | {cell(e['entity'].get('name', ''))} | "
                  f"{cell(e['entity'].get('country', ''))} |" for e in c["entries"]]  # fmt: skip
        for e in c["entries"]:
            lines += ["", *_entry(e)]
    return "\n".join(lines) + "\n"


def _entry(e: dict[str, Any]) -> list[str]:
    role = "" if e["role"] == "nominee" else f" ({e['role']})"
    entity = e["entity"]
    facts = [("Entry", e["submission_id"]), ("Entity", entity.get("name")), ("Entity id", entity.get("entity_id")),
             ("Stakeholder type", (entity.get("stakeholder_type") or "").replace("_", " ")), ("Country", entity.get("country")),
             ("Project owner", (e.get("owner") or {}).get("name")), ("Status", (e.get("status") or "").replace("_", " ")),
             ("SDGs", ", ".join(map(str, e.get("sdgs", [])))), ("Website", e.get("website"))]  # fmt: skip
    lines = [f"### {cell(e['title'])}{role}", ""]  # a heading, as a cell, is one line
    lines += [f"- {name}: {cell(value)}" for name, value in facts if value]
    for answer in e["answers"]:
        lines += ["", f"#### {escape_md(answer['heading'])}", "", escape_md(answer["text"])]
    if not e["answers"]:
        lines += ["", "*The entry's answers are not on wsis:out:submission.*"]
    return lines


def render(pub: dict[str, Any], fmt: str) -> str:
    return {"html": html, "json": as_json, "md": markdown}[fmt](pub)


def write(pub: dict[str, Any], folder: Path) -> dict[str, Path]:
    """`<publication>.html`, `.json` and `.md` in `folder`; returns their paths by format."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {fmt: folder / f"{pub['publication']}.{fmt}" for fmt in FORMATS}
    for fmt, path in paths.items():
        path.write_text(render(pub, fmt), encoding="utf-8")
    return paths
