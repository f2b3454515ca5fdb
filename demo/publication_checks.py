"""Do the call's publications add up? Who is in them, against the results; and no coordinator in any file."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demo.checks import Check

if TYPE_CHECKING:
    from demo.simulator import Simulation

# An address, `[\w.+-]+@[\w-]+\.\w`, looked for from its "@" (a fast literal search), then the character before it.
AT_DOMAIN = re.compile(r"@[\w-]+\.\w")
LOCAL_PART = re.compile(r"[\w.+-]")


def publication_checks(pubs: dict[str, dict[str, Any]], files: dict[str, Path], view: dict[str, Any], sim: Simulation) -> list[Check]:
    """`pubs` by kind as built; `files` by name as written (every format of both)."""
    return [_stocktaking(pubs.get("stocktaking"), view), _success_stories(pubs.get("success-stories"), view), _private(pubs, files, sim)]


def _ids(pub: dict[str, Any]) -> dict[int, list[str]]:
    return {c["category"]: [e["submission_id"] for e in c["entries"]] for c in pub["categories"]}


def _stocktaking(pub: dict[str, Any] | None, view: dict[str, Any]) -> Check:
    name = "stocktaking export: every nominee, with its answers"
    if pub is None:
        return Check(name, False, "not written: no nominee list")
    listed = {c["category"]: c["nominees"] for c in view["categories"] if c["nominees"]}
    got = {c: len(ids) for c, ids in _ids(pub).items()}
    sizes = f"{min(got.values())} to {max(got.values())}" if got else "0"
    return Check(name, got == listed and not pub["missing"],
                 f"{sum(got.values())} nominees in {len(got)} categories ({sizes} each); "
                 f"{len(pub['missing'])} without their entry")  # fmt: skip


def _success_stories(pub: dict[str, Any] | None, view: dict[str, Any]) -> Check:
    name = "success-stories export: the winners and champions"
    if pub is None:
        return Check(name, False, "not written: the awards were not announced")
    expected = {c["category"]: [c["winner"], *c["champions"]] for c in view["categories"] if c.get("winner")}
    counts = pub["counts"]
    return Check(name, _ids(pub) == expected and not pub["missing"],
                 f"{counts.get('winner', 0)} winners, {counts.get('champion', 0)} champions; {len(pub['missing'])} without their entry")  # fmt: skip


def _private(pubs: dict[str, dict[str, Any]], files: dict[str, Path], sim: Simulation) -> Check:
    """Every coordinator of a published entry (each revision's), looked for in every file; and no address at all."""
    published = {e["submission_id"] for pub in pubs.values() for c in pub["categories"] for e in c["entries"]}
    people: set[str] = set()
    for entry in sim.entries:
        if entry.submission_id in published:
            for data in [entry.data, *(a for _, a in entry.amendments)]:
                people |= {v for v in (data.get("coordinator") or {}).values() if isinstance(v, str) and len(v) > 3}
    by_head = _by_head(people)
    leaks = [label for label, path in files.items() if _leaks(path.read_text(encoding="utf-8"), by_head)]
    return Check("no personal data in the exports", not leaks and bool(files),
                 f"{len(files)} files, {len(people)} coordinators' names and addresses looked for: " + (", ".join(leaks) or "none found"))  # fmt: skip


def _by_head(names: Iterable[str]) -> dict[str, list[str]]:
    """The names by their first four characters, as `_leaks` looks for them."""
    by_head: dict[str, list[str]] = {}
    for name in sorted(names):
        by_head.setdefault(name[:4], []).append(name)
    return by_head


def _leaks(text: str, people: dict[str, list[str]]) -> bool:
    """An address, or one of the names, anywhere in `text` (exactly, case and all).

    `people` are the names by their first four characters: a name can only be
    where its beginning is, so those of a beginning absent from the text are
    not looked for.
    """
    if any(at.start() and LOCAL_PART.match(text, at.start() - 1) for at in AT_DOMAIN.finditer(text)):
        return True
    return any(head in text and any(p in text for p in names) for head, names in people.items())
