"""Writing for the coordinator's language: dates, category names, direction.

Dates come from Babel (CLDR): "25 janvier 2021", "25 января 2021 г.",
"2021年1月25日". The names of the WSIS action lines are data
(`categories.yaml` beside the templates, the ITU's own names in its six
languages), keyed by the contest's English title so another contest's
numbering cannot mislabel them.
"""

from __future__ import annotations

import time
from datetime import datetime
from functools import cache
from pathlib import Path

import yaml
from babel.dates import format_date, format_datetime, format_time

from services.notify.adapters.templates import DEFAULT_FOLDER, FALLBACK

CATEGORY_NAMES = "categories.yaml"
RTL = frozenset({"ar"})
RLM = "\u200f"  # RIGHT-TO-LEFT MARK: a line starting with Latin text still reads right to left
# Between a date and its time: CLDR's own joiners, short of a full pattern.
DATE_TIME_JOIN = {"ar": "، ", "zh": " ", "en": ", ", "es": ", ", "fr": " à ", "ru": ", "}


@cache  # the contest's few dates, in six languages
def when(local: datetime, language: str) -> str:
    """A Geneva wall-clock time the way the language writes it."""
    if language == FALLBACK:  # the English texts' long-standing "08 March 2021, 00:00", whatever the process's locale
        return format_datetime(local, "dd MMMM y, HH:mm", locale=FALLBACK)
    date = format_date(local, "long", locale=language)
    return f"{date}{DATE_TIME_JOIN.get(language, ', ')}{format_time(local, 'HH:mm', locale=language)}"


@cache
def _names(path: Path, mtime: float) -> dict[str, dict[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(title): {str(k): str(v) for k, v in names.items()} for title, names in data.items()}


_looked: dict[Path, tuple[float, dict[str, dict[str, str]]]] = {}  # folder -> (when its file was last looked at, its names)
LOOK_EVERY = 1.0  # seconds: the file is looked at once a second at most, not once an email


def category_names(folder: Path) -> dict[str, dict[str, str]]:
    """English title -> {language: name}; staff edits apply to the emails
    composed a second later."""
    now = time.monotonic()
    looked = _looked.get(folder)
    if looked is not None and now - looked[0] < LOOK_EVERY:
        return looked[1]
    path = folder / CATEGORY_NAMES
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        path = DEFAULT_FOLDER / CATEGORY_NAMES
        mtime = path.stat().st_mtime
    names = _names(path, mtime)
    _looked[folder] = (now, names)
    return names


def category_name(folder: Path, english_title: str, language: str) -> str:
    return category_names(folder).get(english_title, {}).get(language, english_title)


def right_to_left(text: str, language: str) -> str:
    """Each line of a right-to-left text opened by a right-to-left mark."""
    if language not in RTL:
        return text
    return "\n".join(f"{RLM}{line}" if line.strip() else line for line in text.split("\n"))
