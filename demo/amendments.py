"""Amendments: coordinators who send their entry again with changes.

Before the close an amendment is screened again (and may mend a too long
description); after the close it is refused by intake (`deadline`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from demo import phrases, prose

if TYPE_CHECKING:
    from demo.entries import PlannedEntry

AMEND_SHARE = 0.02
LATE_AMENDMENTS = 2


def amend(rng: random.Random, entries: list[PlannedEntry], closes: datetime, facts_of: Callable[[PlannedEntry], Any]) -> None:
    timely = [e for e in entries if e.flaw in (None, "S7.short_description_words") and not e.copied and e.at < closes - timedelta(days=1)]
    chosen = rng.sample(timely, min(len(timely), max(1, round(len(entries) * AMEND_SHARE))))
    for entry in chosen:
        room = (closes - timedelta(hours=1) - entry.at).total_seconds()
        at = entry.at + timedelta(seconds=int(room * rng.random()) + 60)
        data = dict(entry.data)
        if entry.flaw == "S7.short_description_words":
            data["short_description"] = prose.description(rng, facts_of(entry), 152, 198)
            entry.flaw = None  # mended in time
        else:
            data["challenges_and_prospects"] = prose.compose(rng, phrases.CHALLENGES, facts_of(entry), 52, 120)
        entry.amendments.append((at, data))
    others = [e for e in timely if e not in chosen]
    for entry in rng.sample(others, min(len(others), LATE_AMENDMENTS)):
        changed = {**entry.latest, "partnerships": prose.compose(rng, phrases.PARTNERSHIPS, facts_of(entry), 42, 90)}
        entry.amendments.append((closes + timedelta(hours=rng.randrange(2, 72)), changed))  # refused by intake: not `latest`
