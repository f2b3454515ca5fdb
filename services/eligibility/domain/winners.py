"""Earlier winners (S11): the contest's data file, and matching entries to it.

The file is CSV with the header `year,category,title,organisation`, one
winner a line. Titles and organisations match whatever their case, spacing
and punctuation.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from services.eligibility.domain.entry import words_of

HEADER = ["year", "category", "title", "organisation"]


class WinnersFileError(ValueError):
    """The winners file cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Winner:
    year: int
    category: int
    title: str
    organisation: str

    @property
    def title_key(self) -> str:
        return key(self.title)

    @property
    def organisation_key(self) -> str:
        return key(self.organisation)


def key(text: str | None) -> str:
    return " ".join(words_of(text))


def parse_winners(text: str, source: str = "winners file") -> tuple[Winner, ...]:
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if [h.strip().lower() for h in header or []] != HEADER:
        raise WinnersFileError(f"{source}: the first line must be {','.join(HEADER)}; it is {','.join(header or [])!r}")
    winners = []
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            raise WinnersFileError(f"{source}, line {line}: {len(row)} fields; expected {len(HEADER)}")
        year, category, title, organisation = (cell.strip() for cell in row)
        if not (year.isdigit() and category.isdigit()):
            raise WinnersFileError(f"{source}, line {line}: year and category must be whole numbers")
        if not key(title) or not key(organisation):
            raise WinnersFileError(f"{source}, line {line}: title and organisation must not be empty")
        winners.append(Winner(int(year), int(category), title, organisation))
    return tuple(winners)


@dataclass(frozen=True, slots=True)
class WinnerIndex:
    """Winners by normalised title (a project keeps its title across years)."""

    by_title: dict[str, tuple[Winner, ...]]

    @classmethod
    def of(cls, winners: tuple[Winner, ...]) -> WinnerIndex:
        by_title: dict[str, list[Winner]] = {}
        for winner in winners:
            by_title.setdefault(winner.title_key, []).append(winner)
        return cls({title: tuple(found) for title, found in by_title.items()})

    def match(self, title: str | None, organisation: str | None) -> tuple[Winner | None, bool]:
        """The matching winner, and whether the organisation matches too."""
        found = self.by_title.get(key(title), ())
        org = key(organisation)
        for winner in found:
            if winner.organisation_key == org:
                return winner, True
        return (found[0], False) if found else (None, False)
