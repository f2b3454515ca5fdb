"""Text that Markdown prints as it is: the one escaper of every Markdown file the report writes."""

from __future__ import annotations

import re
from typing import Any

# Characters Markdown reads as markup anywhere in a line (CommonMark lets any of them be escaped with `\`).
INLINE = re.compile(r"([\\`*_\[\]{}|#~!$])")
# Markup only at the start of a line: a list item, a numbered item, a setext heading's underline.
LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")


def escape_md(text: Any) -> str:
    """Text that Markdown prints as it is: no emphasis, link, heading, table cell or HTML made of it."""
    lines = []
    for line in str(text).splitlines() or [""]:
        line = line.strip()  # an indented line would be a code block
        line = INLINE.sub(r"\\\1", line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
        lines.append(_line_start(line))
    return "\n".join(lines)


def _line_start(line: str) -> str:
    """Escape what only counts at a line's start: `- `, `+ `, `= `, `1. `, `2) `."""
    match = LINE_START.match(line)
    if not match:
        return line
    indent, mark, digits, dot = match.groups()
    rest = line[match.end():]
    return f"{indent}\\{mark}{rest}" if mark else f"{indent}{digits}\\{dot}{rest}"


def cell(text: Any) -> str:
    """A table cell: escaped, on one line (a line break would end the row)."""
    return escape_md(" ".join(str(text).split()))
