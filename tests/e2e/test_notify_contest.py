"""A small contest through the streams: 3 categories x 6 entries, 2 voting weeks.

The notify service runs as `wsis up` runs it (`wsis run notify`, its own
process) against a real SMTP server, and is stopped and started again in the
middle of sending. The other services' answers are the contract's events,
published on their streams as those services publish them.
"""

from __future__ import annotations

import asyncio
import mailbox
import os
import signal
import subprocess
import sys
from collections import Counter
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest

from shared import topology
from tests.support.outbound import announced, closed, progress, published, received, screened, winner
from tests.support.processes import ROOT, clean_environment
from tests.support.smtp_sink import SmtpSink
from tests.support.streams import events, publish, wait_for
from tests.support.waiting import wait_until_async

pytestmark = pytest.mark.slow
CATEGORIES = (1, 2, 3)


def entry(category: int, n: int) -> str:
    return f"c{category}-e{n}"


def verdict(category: int, n: int) -> dict[str, Any]:
    if category == 1 and n == 6:
        rules = [{"rule": "S6.completed_work", "result": "fail", "reason": "the project is still ongoing"}]
        return screened(entry(category, n), "ineligible", category=category, rules=rules)
    return screened(entry(category, n), category=category)


NOMINEES = {c: [entry(c, n) for n in range(1, 7) if (c, n) != (1, 6)] for c in CATEGORIES}
FINALISTS = {c: NOMINEES[c][:5] for c in CATEGORIES}
WINNERS = {c: FINALISTS[c][c - 1] for c in CATEGORIES}


def first_half() -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for c in CATEGORIES:
        for n in range(1, 7):
            out.append((topology.OUT_SUBMISSION, received(entry(c, n), category=c)))
    # Verdicts come on another stream, some before the addresses are read.
    out[3:3] = [(topology.OUT_ELIGIBILITY, verdict(c, n)) for c in CATEGORIES for n in range(1, 7)]
    out.append((topology.OUT_JUDGING, published(NOMINEES)))
    week1 = {c: [(sid, 10 - i) for i, sid in enumerate(NOMINEES[c])] for c in CATEGORIES}
    out.append((topology.VOTING_REPORTS, progress(1, week1)))
    return out


def second_half() -> list[tuple[str, dict[str, Any]]]:
    week2 = {c: [(sid, 20 - i) for i, sid in enumerate(NOMINEES[c])] for c in CATEGORIES}
    out = [(topology.VOTING_REPORTS, progress(2, week2, as_of="2021-03-14T23:00:00Z")), (topology.VOTING_REPORTS, closed(FINALISTS))]
    out += [(topology.SEALED_JUDGING, winner(c, WINNERS[c])) for c in CATEGORIES]
    return out


def expected() -> Counter[tuple[str, str]]:
    """(recipient, occasion) of every email the contest must send, once each."""
    want: Counter[tuple[str, str]] = Counter()
    for c in CATEGORIES:
        for n in range(1, 7):
            sid = entry(c, n)
            want[(sid, "acknowledgement")] += 1
            want[(sid, "nomination")] += 1
        for sid in NOMINEES[c]:
            want[(sid, "progress-1")] += 1
            want[(sid, "progress-2")] += 1
        for sid in FINALISTS[c]:
            want[(sid, "champion")] += 1
            want[(sid, "awards")] += 1
        want[(WINNERS[c], "winner")] += 1
    return want


def occasion_of(subject: str) -> str:
    for marker, occasion in (("received and screened", "acknowledgement"), ("nominat", "nomination"), ("voting week 1", "progress-1"),
                             ("voting week 2", "progress-2"), ("Champion", "champion"), ("confidential", "winner"), ("results announced", "awards")):
        if marker in subject:
            return occasion
    raise AssertionError(f"unexpected subject {subject!r}")


def address_of(message: Any) -> str:
    return parseaddr(str(message["To"]))[1]


class NotifyProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "wsis.cli", "run", "notify"], env=self.env, cwd=ROOT)

    def stop(self, sig: int) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(30)


@pytest.fixture
def notify_env(redis_url: str, tmp_path: Path, database_url: str | None) -> dict[str, str]:
    env = clean_environment()
    env.update(
        WSIS_REDIS_URL=redis_url, WSIS_DATA_DIR=str(tmp_path / "data"), WSIS_REPLAY="true", WSIS_LOG_FORMAT="json",
        WSIS_BLOCK_MS="50", WSIS_RECLAIM_IDLE_MS="500", WSIS_RECLAIM_EVERY_MS="200",
        WSIS_NOTIFY_POLL_SECONDS="0.05", WSIS_NOTIFY_SEND_TIMEOUT_SECONDS="2", WSIS_NOTIFY_LEASE_AFTER_SECONDS="5",
    )
    if database_url:
        env["WSIS_DATABASE_URL"] = database_url
    return env


async def run_contest(redis, notify: NotifyProcess, delivered, stop_signal: int) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    notify.start()
    for stream, event in first_half():
        await publish(redis, stream, event)
    await wait_until_async(lambda: delivered() >= 20, what="20 emails delivered", timeout=60, every=0.01)
    notify.stop(stop_signal)  # in the middle of sending the first half
    stopped_at = delivered()
    notify.start()
    for stream, event in second_half():
        await publish(redis, stream, event)
    want = expected()
    total = sum(want.values())
    after_ceremony = sum(n for (_, occasion), n in want.items() if occasion in ("winner", "awards"))
    await wait_for(redis, topology.OUT_NOTIFY, lambda seen: distinct(seen) == total - after_ceremony, timeout=90)
    await wait_until_async(lambda: delivered() == total - after_ceremony + len(CATEGORIES), what="the emails before the ceremony", timeout=60, every=0.01)  # the winner contacts went at once
    await asyncio.sleep(0.5)
    assert not [e for e in await events(redis, topology.OUT_NOTIFY) if e["data"]["occasion"] == "winner"]
    await publish(redis, topology.OUT_JUDGING, announced({c: (WINNERS[c], [s for s in FINALISTS[c] if s != WINNERS[c]]) for c in CATEGORIES}))
    await wait_for(redis, topology.OUT_NOTIFY, lambda seen: distinct(seen) == total, timeout=90)
    await asyncio.sleep(0.5)
    notify.stop(signal.SIGTERM)
    assert 20 <= stopped_at < total, "the restart came in the middle of sending"
    return list({e["id"]: e for e in await events(redis, topology.OUT_NOTIFY)}.values())


def distinct(seen: list[dict[str, Any]]) -> int:
    """Events count once per id: a crash between publishing and marking it
    published publishes it again, and consumers drop repeats by id."""
    return len({e["id"] for e in seen})


def check_events(out: list[dict[str, Any]]) -> None:
    assert all(e["type"] == "wsis.notification.sent" for e in out)
    assert len({e["id"] for e in out}) == len(out) == sum(expected().values())
    assert sorted(e["data"]["submission_id"] for e in out if e["data"]["occasion"] == "winner") == sorted(WINNERS.values())


async def test_a_small_contest_sends_exactly_the_expected_emails_across_a_restart(redis, notify_env):
    with SmtpSink() as sink:
        notify = NotifyProcess({**notify_env, "WSIS_SMTP_URL": sink.url})
        try:
            out = await run_contest(redis, notify, lambda: len(sink.received()), signal.SIGTERM)
        finally:
            notify.stop(signal.SIGKILL)
        mails = sink.received()

    got = Counter((address_of(m).removesuffix("@example.org"), occasion_of(m["Subject"])) for m in mails)
    assert got == expected()
    check_events(out)
    assert len(await events(redis, topology.OUT_NOTIFY)) == len(out), "a graceful stop publishes nothing twice"
    winners = [m for m in mails if occasion_of(m["Subject"]) == "winner"]
    assert sorted(address_of(m) for m in winners) == sorted(f"{w}@example.org" for w in WINNERS.values())
    before_ceremony = [m for m in mails if occasion_of(m["Subject"]) not in ("winner", "awards")]
    assert all("winner" not in (m["Subject"] + m.get_content()).lower() for m in before_ceremony)


async def test_a_notify_process_killed_mid_send_delivers_every_email_once_into_the_maildir(redis, notify_env, tmp_path):
    maildir = tmp_path / "data" / "mail"

    def delivered() -> int:
        return len(os.listdir(maildir / "new")) if (maildir / "new").is_dir() else 0

    notify = NotifyProcess(notify_env)
    try:
        out = await run_contest(redis, notify, delivered, signal.SIGKILL)
    finally:
        notify.stop(signal.SIGKILL)

    box = mailbox.Maildir(maildir, create=False)
    got = Counter((address_of(m).removesuffix("@example.org"), occasion_of(m["Subject"])) for m in box)
    assert len(box) == sum(expected().values())
    assert got == expected()
    check_events(out)
