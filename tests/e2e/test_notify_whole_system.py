"""The five services under `wsis up`, a small contest played through the input
streams only (3 categories x 6 entries, 2 voting weeks), a real SMTP server.

The test plays the platforms: it publishes entries, panel decisions, member
profiles, ballots and clock ticks, and restarts the notify service in the
middle. The emails expected are read off the services' own answers (which
verdicts, which nominees, which weekly standings, which finalists and
winners), and the SMTP server must hold exactly those, once each.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared import topology
from shared.contest import DEFAULT_CONTEST_FILE
from tests.support.contest import entry, sid
from tests.support.events import cloudevent
from tests.support.smtp_sink import SmtpSink
from tests.support.streams import put as put_event
from tests.support.streams import read
from tests.support.waiting import wait_until
from wsis.cli import SERVICES, available_services

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(set(available_services()) != set(SERVICES), reason="needs all five services in this build"),
]
CATEGORIES = (1, 2, 3)


def submission(category: int, n: int) -> dict[str, Any]:
    """The scenario's entry, its coordinator's address named by the entry (the emails are counted by it); 1-6 is ongoing (S6)."""
    coordinator = {"name": f"Coordinator {category} {n}", "email": f"{sid(category, n)}@example.org"}
    return entry(category, n, coordinator=coordinator, status="ongoing" if (category, n) == (1, 6) else "completed")


def put(client, stream: str, kind: str, data: dict[str, Any], at: str) -> None:  # type: ignore[no-untyped-def]
    put_event(client, stream, cloudevent(kind, data, time_=at, source="e2e-platform"))


def tick(client, at: str) -> None:  # type: ignore[no-untyped-def]
    put(client, topology.IN_CLOCK, "wsis.clock.tick", {}, at)


@pytest.fixture
def two_week_contest(tmp_path: Path) -> Path:
    """The 2021 contest with public voting cut to two weeks."""
    folder = tmp_path / "contest"
    shutil.copytree(DEFAULT_CONTEST_FILE.parent, folder)
    path = folder / DEFAULT_CONTEST_FILE.name
    spec = yaml.safe_load(path.read_text())
    spec["calendar"]["voting"]["closes"] = "2021-03-15T00:00:00"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def restart_notify(system) -> None:  # type: ignore[no-untyped-def]
    """SIGTERM the notify process, as a deploy would; `wsis up` starts it again."""
    system.terminate("notify")


def occasion_of(subject: str) -> str:
    for marker, occasion in (("received and screened", "acknowledgement"), ("nominat", "nomination"), ("voting week 1", "progress-1"),
                             ("voting week 2", "progress-2"), ("Champion", "champion"), ("confidential", "winner"), ("results announced", "awards")):
        if marker in subject:
            return occasion
    raise AssertionError(f"unexpected subject {subject!r}")


def expected_from_answers(client) -> Counter[tuple[str, str]]:  # type: ignore[no-untyped-def]
    want: Counter[tuple[str, str]] = Counter()
    for verdict in read(client, topology.OUT_ELIGIBILITY, "wsis.submission.screened"):
        want[(verdict["data"]["submission_id"], "acknowledgement")] = 1
        want[(verdict["data"]["submission_id"], "nomination")] = 1
    for report in read(client, topology.OUT_VOTING, "wsis.voting.progress"):
        for category in report["data"]["categories"]:
            for project in category["projects"]:
                want[(project["project_id"], f"progress-{report['data']['week']}")] = 1
    for result in read(client, topology.OUT_VOTING, "wsis.voting.closed")[0]["data"]["categories"]:
        for project in result["finalists"]:
            want[(project, "champion")] = 1
    for recorded in read(client, topology.SEALED_JUDGING, "wsis.winner.recorded"):
        want[(recorded["data"]["submission_id"], "winner")] = 1
    for result in read(client, topology.OUT_JUDGING, "wsis.awards.announced")[0]["data"]["categories"]:
        for project in filter(None, [result["winner"], *result["champions"]]):
            want[(project, "awards")] = 1
    return want


def test_a_small_contest_through_every_service_emails_each_coordinator_exactly_what_it_should(system, two_week_contest):
    with SmtpSink() as sink:
        client = system.start(replay="true", smtp_url=sink.url, contest_file=str(two_week_contest),
                              block_ms="50", notify_poll_seconds="0.05")
        for category in CATEGORIES:
            for n in range(1, 7):
                put(client, topology.IN_SUBMISSIONS, "wsis.submission.submitted", submission(category, n), "2021-01-10T10:00:00Z")
        wait_until(lambda: len(read(client, topology.OUT_ELIGIBILITY, "wsis.submission.screened")) == 18, what="18 verdicts", timeout=90)
        wait_until(lambda: len(sink.received()) >= 5, what="the first acknowledgements", timeout=90)
        restart_notify(system)  # in the middle of the acknowledgements

        verdicts = {e["data"]["submission_id"]: e["data"] for e in read(client, topology.OUT_ELIGIBILITY, "wsis.submission.screened")}
        eligible = sorted(s for s, v in verdicts.items() if v["outcome"] == "eligible")
        assert verdicts[sid(1, 6)]["outcome"] == "ineligible" and len(eligible) >= 15, {s: v["outcome"] for s, v in verdicts.items()}
        for entry in eligible:
            put(client, topology.IN_PANEL, "wsis.panel.nominated", {"submission_id": entry, "category": verdicts[entry]["category"], "panel_member_id": "panel-1"}, "2021-02-10T10:00:00Z")
        wait_until(lambda: len(read(client, topology.OUT_JUDGING, "wsis.nomination.recorded")) == len(eligible), what="the nominations", timeout=90)
        tick(client, "2021-02-28T23:00:00Z")
        wait_until(lambda: read(client, topology.OUT_JUDGING, "wsis.nominations.published"), what="the nominee list", timeout=90)

        voters = [f"voter-{i}" for i in range(24)]
        for voter in voters:
            put(client, topology.IN_STAKEHOLDERS, "wsis.stakeholder.registered", {"user_id": voter, "username": voter, "email": f"{voter}@example.net",
                "organization": {"entity_id": f"vorg-{voter}", "name": "Members", "type": "academia", "country": "CH"}}, "2021-02-20T10:00:00Z")
        nominees = {c: sorted(e for e in eligible if verdicts[e]["category"] == c) for c in CATEGORIES}
        for week, (at, group) in enumerate((("2021-03-02T10:00:00Z", voters[:12]), ("2021-03-09T10:00:00Z", voters[12:])), start=1):
            for i, voter in enumerate(group):
                for category in CATEGORIES:
                    choice = nominees[category][min(i % 7, len(nominees[category]) - 1)]
                    put(client, topology.IN_BALLOTS, "wsis.ballot.cast", {"voter_id": voter, "category": category, "project_id": choice}, at)
            tick(client, "2021-03-07T23:00:00Z" if week == 1 else "2021-03-14T23:00:00Z")
            wait_until(lambda: len(read(client, topology.OUT_VOTING, "wsis.voting.progress")) == week, what=f"progress of week {week}", timeout=90)
        wait_until(lambda: read(client, topology.OUT_VOTING, "wsis.voting.closed"), what="the close of voting", timeout=90)

        closed = [c for c in read(client, topology.OUT_VOTING, "wsis.voting.closed")[0]["data"]["categories"] if c["finalists"]]
        assert [(c["category"], len(c["finalists"])) for c in closed] == [(c, 5) for c in CATEGORIES]
        for result in closed:
            put(client, topology.IN_PANEL, "wsis.panel.winner_selected", {"category": result["category"], "submission_id": result["finalists"][1], "panel_member_id": "panel-1"}, "2021-04-02T10:00:00Z")
        wait_until(lambda: len(read(client, topology.SEALED_JUDGING, "wsis.winner.recorded")) == 3, what="the winners", timeout=90)
        wait_until(lambda: sum(occasion_of(m["Subject"]) == "winner" for m in sink.received()) == 3, what="the confidential winner contacts", timeout=90)
        time.sleep(1.0)
        assert not [e for e in read(client, topology.OUT_NOTIFY) if e["data"]["occasion"] == "winner"]
        put(client, topology.IN_PANEL, "wsis.panel.winners_announced", {}, "2021-05-20T16:00:00Z")
        wait_until(lambda: read(client, topology.OUT_JUDGING, "wsis.awards.announced"), what="the announcement", timeout=90)

        want = expected_from_answers(client)
        try:
            wait_until(lambda: len(read(client, topology.OUT_NOTIFY)) == sum(want.values()), what="every notification event", timeout=60)
        except AssertionError:
            seen = Counter(e["data"]["occasion"] for e in read(client, topology.OUT_NOTIFY))
            raise AssertionError(f"notification events {dict(seen)}; expected {dict(Counter(o.split('-')[0] for _, o in want))}") from None
        time.sleep(1.0)
        mails = sink.received()

    got = Counter((parseaddr(str(m["To"]))[1].removesuffix("@example.org"), occasion_of(m["Subject"])) for m in mails)
    assert got == want
    assert sum(n for (_, o), n in want.items() if o.startswith("progress")) == 2 * len(eligible)
    sent = read(client, topology.OUT_NOTIFY)
    assert all(e["type"] == "wsis.notification.sent" for e in sent) and len({e["id"] for e in sent}) == len(sent)
    (ceremony,) = [entry_id for entry_id, f in client.xrange(topology.OUT_JUDGING) if b"wsis.awards.announced" in f[b"__data__"]]
    winner_entries = [entry_id for entry_id, f in client.xrange(topology.OUT_NOTIFY) if json.loads(f[b"__data__"])["data"]["occasion"] == "winner"]
    assert len(winner_entries) == 3 and all(stream_time(e) >= stream_time(ceremony) for e in winner_entries)


def stream_time(entry_id: bytes) -> tuple[int, int]:
    ms, seq = entry_id.decode().split("-")
    return int(ms), int(seq)
