"""The demo's fast paths give what their plain forms give: stamps, and the search for personal data in the exports."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime

from demo.platform_events import Stamps
from demo.publication_checks import _by_head, _leaks

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.\w")
NAMES = ["Kofi Okafor", "Kofi Mensah", "kofi.okafor.12@example.org", "Lena Ali", "Élodie Ng"]


def plain(text: str) -> bool:
    return bool(EMAIL.search(text) or any(p in text for p in NAMES))


def test_stamps_are_the_rfc_3339_utc_times_of_any_epoch_second():
    stamp, rng = Stamps(), random.Random(1)
    for t in [0, 59, 60, 3599, 3600, 1612137599, 1612137600, *(rng.randrange(0, 4_000_000_000) for _ in range(5000))]:
        assert stamp(t) == datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert stamp.minute(t) == stamp(t)[:-3]


def test_the_search_for_names_and_addresses_finds_what_a_plain_search_finds():
    by_head = _by_head(NAMES)
    rng = random.Random(5)
    cases = ["", "@a.b", "x@a.b", "@@a.b", "é@a-b.c", "+@a.b", " @a.b", "a@.b", "a@b.", "a @b.c@d.e", "Kofi Okafo", "xKofi Mensahx", "kofi Okafor", "Élodie N"]
    for _ in range(5000):
        text = "".join(rng.choice("ab.+-@_é x\nKofi OkaMnsLe") for _ in range(rng.randrange(30)))
        name = rng.choice(NAMES)
        at = rng.randrange(len(text) + 1)
        cases.append(text[:at] + name[: rng.randrange(len(name) + 1)] + text[at:])
    found = 0
    for text in cases:
        assert _leaks(text, by_head) == plain(text), text
        found += plain(text)
    assert 0 < found < len(cases)
