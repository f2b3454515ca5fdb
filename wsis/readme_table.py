"""The README's services table (under "## What it is"): its "consumes" column is the topology's.

`uv run wsis asyncapi` rewrites that column with each service's input
streams as `shared/topology.py` declares them; the other columns are prose
and stay as written.
"""

from __future__ import annotations

from pathlib import Path

from shared import topology

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "## What it is"
HEADER = ("service", "consumes", "decides")


def consumes(service: topology.Service) -> str:
    """The "consumes" cell of a service: its input streams, in the topology's order."""
    return ", ".join(f"`{stream}`" for stream in service.reads)


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def table_lines(lines: list[str]) -> range:
    """The indexes of the services table's rows (header and rule excluded)."""
    start = lines.index(SECTION)
    header = next(i for i in range(start, len(lines)) if lines[i].startswith("|") and tuple(cells(lines[i])) == HEADER)
    end = header + 2
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return range(header + 2, end)


def rows(text: str) -> dict[str, list[str]]:
    """The services table, as {service: [consumes, decides]}."""
    lines = text.split("\n")
    return {row[0]: row[1:] for row in (cells(lines[i]) for i in table_lines(lines))}


def with_topology(text: str) -> str:
    """`text` with each known service's "consumes" cell as the topology has it."""
    lines = text.split("\n")
    for i in table_lines(lines):
        row = cells(lines[i])
        service = topology.SERVICES.get(row[0])
        if service is not None:
            row[1] = consumes(service)
            lines[i] = "| " + " | ".join(row) + " |"
    return "\n".join(lines)


def differences(text: str) -> list[str]:
    """What the table should say and does not, one line per service."""
    found = rows(text)
    wrong = [
        f"{name}: consumes should read {consumes(service)}"
        for name, service in topology.SERVICES.items()
        if name in found and found[name][0] != consumes(service)
    ]
    wrong += [f"{name}: no row in the services table" for name in topology.SERVICES if name not in found]
    wrong += [f"{name}: a row of no service in the topology" for name in found if name not in topology.SERVICES]
    return wrong


def rewrite() -> bool:
    """Rewrite README.md's "consumes" column; True if it changed."""
    text = README.read_text(encoding="utf-8")
    updated = with_topology(text)
    if updated != text:
        README.write_text(updated, encoding="utf-8")
    return updated != text
