"""Verdicts that change, told in the coordinator's language, under `wsis up` with a real SMTP server (CONTRACT 5.5).

The test plays the platform and the staff console: entries by coordinators
who read French, Arabic and Chinese; an amendment that makes an eligible
entry ineligible while the phase is open; a staff decision after the phase
closed that makes an ineligible entry eligible. Each coordinator gets the
acknowledgement, then one verdict-changed email per change, in their language.
"""

from __future__ import annotations

import time
from collections import Counter
from email.utils import parseaddr
from typing import Any

import pytest

from shared import topology
from tests.support.events import cloudevent
from tests.support.factories import submission
from tests.support.smtp_sink import SmtpSink
from tests.support.streams import put as put_event
from tests.support.streams import read
from tests.support.texts import ENGLISH
from tests.support.waiting import wait_until
from wsis.cli import SERVICES, available_services

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(set(available_services()) != set(SERVICES), reason="needs all five services in this build"),
]
LANGUAGES = {1: "fr", 2: "ar", 3: "zh"}  # entry n of category 1 -> its coordinator's language


def entry(n: int, **changes: Any) -> dict[str, Any]:
    """Three different projects (S4 sees no copy), each by its own organisation and coordinator."""
    return submission(
        f"entry-1-{n}", category=1, title=f"Project {n}: {' '.join(ENGLISH[n - 1].split()[:6])}", short_description=ENGLISH[n - 1],
        entity={"entity_id": f"org-{n}", "name": f"Organisation {n}", "stakeholder_type": "civil_society", "country": "KE"},
        coordinator={"name": f"Coordinator {n}", "email": f"entry-1-{n}@example.org", "language": LANGUAGES[n]}, **changes,
    )


def put(client, stream: str, kind: str, data: dict[str, Any], at: str) -> None:  # type: ignore[no-untyped-def]
    put_event(client, stream, cloudevent(kind, data, time_=at, source="e2e-platform"))


def mails_by_recipient(sink: SmtpSink) -> Counter[tuple[str, str]]:
    return Counter((parseaddr(str(m["To"]))[1].removesuffix("@example.org"), m["Content-Language"]) for m in sink.received())


def test_each_change_of_outcome_is_told_once_in_the_coordinators_language(system):
    with SmtpSink() as sink:
        client = system.start(replay="true", smtp_url=sink.url, block_ms="50", notify_poll_seconds="0.05")
        for n in LANGUAGES:
            put(client, topology.IN_SUBMISSIONS, "wsis.submission.submitted", entry(n, status="ongoing" if n == 2 else "completed"),
                "2021-01-10T10:00:00Z")
        wait_until(lambda: len(sink.received()) == 3, what="three acknowledgements", timeout=120)

        put(client, topology.IN_SUBMISSIONS, "wsis.submission.submitted", entry(1, status="ongoing"), "2021-01-12T10:00:00Z")  # amended
        put(client, topology.IN_STAFF, "wsis.staff.screening_decided",
            {"submission_id": "entry-1-2", "outcome": "eligible", "staff_member_id": "staff-7", "reason": "Phase clé achevée en 2020."},
            "2021-02-10T10:00:00Z")
        wait_until(lambda: len(sink.received()) == 5, what="two verdict-changed emails", timeout=120)
        time.sleep(1.0)
        mails = sink.received()
        events = read(client, topology.OUT_NOTIFY)

    assert mails_by_recipient(sink) == {("entry-1-1", "fr"): 2, ("entry-1-2", "ar"): 2, ("entry-1-3", "zh"): 1}
    assert Counter(e["data"]["occasion"] for e in events) == {"acknowledgement": 3, "verdict_changed": 2}
    changed = {parseaddr(str(m["To"]))[1]: m.get_content() for m in mails[3:]}
    amended = changed["entry-1-1@example.org"]
    assert "« recevable » à « non recevable »" in amended and "Tant que la phase de soumission est ouverte" in amended
    decided = changed["entry-1-2@example.org"]
    assert "Phase clé achevée en 2020." in decided and "staff-7" not in decided and "«غير مؤهلة» إلى «مؤهلة»" in decided
    assert all("staff-7" not in str(e) for e in events)
