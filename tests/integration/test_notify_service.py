"""The notify service against a real Valkey, a real database and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import json
import mailbox
from typing import Any

import pytest

from services.notify.adapters.settings import MailSettings
from services.notify.app import build
from shared import topology
from tests.support.events import cloudevent
from tests.support.outbound import announced, closed, progress, published, received, screened, vote, winner
from tests.support.services import running as service_running
from tests.support.smtp_sink import SmtpSink
from tests.support.streams import events, publish, wait_for
from tests.support.waiting import wait_until_async


def quick() -> MailSettings:
    return MailSettings(poll_seconds=0.05, backoff_seconds=0.05, backoff_max_seconds=0.2, max_attempts=3, send_timeout_seconds=5)


def sent_events(seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in seen if e["type"] == "wsis.notification.sent"]


@pytest.fixture
def sink():
    with SmtpSink() as server:
        yield server


@pytest.fixture
async def running(settings, sink):
    async with service_running("notify", settings.model_copy(update={"smtp_url": sink.url}), quick()) as service:
        yield service


# --- tests ----------------------------------------------------------------------------


async def test_a_screened_entry_gets_one_acknowledgement_listing_every_failed_or_review_rule(running, redis, sink):
    rules = [
        {"rule": "S2.category", "result": "pass", "reason": ""},
        {"rule": "S6.completed_work", "result": "fail", "reason": "the project is still ongoing"},
        {"rule": "S10.english", "result": "review", "reason": "the language could not be told with confidence"},
    ]
    await publish(redis, topology.OUT_SUBMISSION, received("s-1", email="amina@example.org"))
    cause = screened("s-1", "ineligible", rules=rules)
    await publish(redis, topology.OUT_ELIGIBILITY, cause)

    out = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 1)

    (message,) = sink.received()
    assert message["To"].addresses[0].addr_spec == "amina@example.org"
    body = message.get_content()
    assert "S6.completed_work (not met): the project is still ongoing" in body
    assert "S10.english (to be reviewed): the language could not be told with confidence" in body
    assert "S2.category" not in body
    assert out[0]["type"] == "wsis.notification.sent" and out[0]["causationid"] == cause["id"]
    assert out[0]["data"] == {"notification_id": out[0]["data"]["notification_id"], "occasion": "acknowledgement", "submission_id": "s-1"}
    assert "amina" not in json.dumps(out) and "Otieno" not in json.dumps(out)


async def test_a_verdict_that_arrives_before_the_address_waits_for_it(running, redis, sink):
    await publish(redis, topology.OUT_ELIGIBILITY, screened("s-2"))
    await asyncio.sleep(0.5)
    assert sink.received() == []

    await publish(redis, topology.OUT_SUBMISSION, received("s-2"))

    await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 1)
    assert [m["To"].addresses[0].addr_spec for m in sink.received()] == ["s-2@example.org"]


async def test_repeats_and_a_second_verdict_for_the_same_entry_send_nothing_more(running, redis, sink):
    await publish(redis, topology.OUT_SUBMISSION, received("s-3"))
    first = screened("s-3")
    await publish(redis, topology.OUT_ELIGIBILITY, first)
    await publish(redis, topology.OUT_ELIGIBILITY, first)
    await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 1)
    await publish(redis, topology.OUT_ELIGIBILITY, screened("s-3"))  # same entry, new event
    await publish(redis, topology.OUT_SUBMISSION, received("s-4"))
    await publish(redis, topology.OUT_ELIGIBILITY, screened("s-4"))

    await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 2)
    await asyncio.sleep(0.3)
    assert sorted(m["To"].addresses[0].addr_spec for m in sink.received()) == ["s-3@example.org", "s-4@example.org"]


async def test_a_staff_decision_that_changes_the_outcome_is_told_once_in_the_coordinators_language(running, redis, sink):
    entry = received("s-6")
    entry["data"]["coordinator"]["language"] = "fr"
    await publish(redis, topology.OUT_SUBMISSION, entry)
    await publish(redis, topology.OUT_ELIGIBILITY, screened("s-6", "needs_review"))
    await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 1)
    decision = screened("s-6", "eligible")
    decision["time"] = "2021-02-10T10:00:00Z"  # after the submission phase: staff decide until the nominee list
    decision["data"]["decided_by"] = {"staff_member_id": "staff-7", "reason": "Le projet est terminé depuis 2020.", "machine_outcome": "needs_review"}
    await publish(redis, topology.OUT_ELIGIBILITY, decision)
    await publish(redis, topology.OUT_ELIGIBILITY, decision)

    out = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 2)
    await asyncio.sleep(0.3)

    assert [e["data"]["occasion"] for e in out] == ["acknowledgement", "verdict_changed"] and out[1]["causationid"] == decision["id"]
    first, change = sink.received()
    assert first["Content-Language"] == change["Content-Language"] == "fr"
    body = change.get_content()
    assert "« à examiner » à « recevable »" in body and "Le projet est terminé depuis 2020." in body
    assert "staff-7" not in body and "staff-7" not in json.dumps(out)


async def test_an_amendment_with_a_new_address_sends_later_notices_there(running, redis, sink):
    await publish(redis, topology.OUT_SUBMISSION, received("s-5", email="old@example.org"))
    await publish(redis, topology.OUT_ELIGIBILITY, screened("s-5"))
    await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 1)
    await publish(redis, topology.OUT_SUBMISSION, received("s-5", email="new@example.org", revision=2))
    await publish(redis, topology.OUT_JUDGING, published({4: ["s-5"]}))

    out = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 2)

    assert [m["To"].addresses[0].addr_spec for m in sink.received()] == ["old@example.org", "new@example.org"]
    assert out[1]["data"]["occasion"] == "nomination"


async def test_the_nominee_list_tells_every_screened_entry_whether_it_was_nominated(running, redis, sink):
    for sid, outcome in (("n-1", "eligible"), ("n-2", "eligible"), ("n-3", "ineligible")):
        await publish(redis, topology.OUT_SUBMISSION, received(sid))
        await publish(redis, topology.OUT_ELIGIBILITY, screened(sid, outcome))
    await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 3)
    await publish(redis, topology.OUT_JUDGING, published({4: ["n-1"]}))
    await publish(redis, topology.OUT_SUBMISSION, received("n-4"))
    await publish(redis, topology.OUT_ELIGIBILITY, screened("n-4"))  # a verdict read after the list

    out = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len([e for e in seen if e["data"]["occasion"] == "nomination"]) == 4)

    told = {m["To"].addresses[0].addr_spec: m for m in sink.received() if "nominat" in m["Subject"]}
    assert told["n-1@example.org"]["Subject"].endswith('"Project n-1" is nominated')
    for sid in ("n-2", "n-3", "n-4"):
        assert "is not among them" in told[f"{sid}@example.org"].get_content()
    assert len(out) == 8


async def test_weekly_progress_sends_one_email_per_project_and_week_with_its_votes_and_rank(running, redis, sink):
    for sid in ("p-1", "p-2"):
        await publish(redis, topology.OUT_SUBMISSION, received(sid))
    week1 = progress(1, {4: [("p-1", 3), ("p-2", 7)]})
    await publish(redis, topology.VOTING_REPORTS, week1)
    await publish(redis, topology.VOTING_REPORTS, progress(1, {4: [("p-1", 3), ("p-2", 7)]}))  # the same week again
    await publish(redis, topology.VOTING_REPORTS, progress(2, {4: [("p-1", 9), ("p-2", 8)]}, as_of="2021-03-14T23:00:00Z"))

    out = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 4)
    await asyncio.sleep(0.3)

    assert sorted((e["data"]["submission_id"], e["data"]["week"]) for e in out) == [("p-1", 1), ("p-1", 2), ("p-2", 1), ("p-2", 2)]
    bodies = {(m["To"].addresses[0].addr_spec, m["Subject"].split(":")[1].strip()): m.get_content() for m in sink.received()}
    assert len(sink.received()) == 4
    assert "has 3 votes and ranks 2 of 2" in bodies[("p-1@example.org", "voting week 1")]
    assert "has 9 votes and ranks 1 of 2" in bodies[("p-1@example.org", "voting week 2")]


async def test_the_winner_is_told_at_once_but_its_notification_event_waits_for_the_ceremony(running, redis, sink):
    finalists = [f"f-{i}" for i in range(5)]
    for sid in finalists:
        await publish(redis, topology.OUT_SUBMISSION, received(sid))
    await publish(redis, topology.VOTING_REPORTS, closed({4: finalists}))
    await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 5)
    await publish(redis, topology.SEALED_JUDGING, winner(4, "f-2"))

    await wait_until_async(lambda: len(sink.received()) == 6, what="6 emails")
    await asyncio.sleep(0.3)
    before = await events(redis, topology.OUT_NOTIFY)
    assert {e["data"]["occasion"] for e in before} == {"champion"} and len(before) == 5
    champion_mails = [m for m in sink.received() if "Champion" in m["Subject"]]
    assert len(champion_mails) == 5
    assert all("winner" not in (m["Subject"] + m.get_content()).lower() for m in champion_mails)
    (confidential,) = [m for m in sink.received() if "confidential" in m["Subject"]]
    assert confidential["To"].addresses[0].addr_spec == "f-2@example.org"

    await publish(redis, topology.OUT_JUDGING, announced({4: ("f-2", ["f-0", "f-1", "f-3", "f-4"])}))

    after = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 11)
    assert [e["data"]["submission_id"] for e in after if e["data"]["occasion"] == "winner"] == ["f-2"]
    awards = {m["To"].addresses[0].addr_spec: m.get_content() for m in sink.received() if "results" in m["Subject"]}
    assert "is the winner of" in awards["f-2@example.org"]
    assert 'The winner of the category is "Project f-2"' in awards["f-0@example.org"]


async def test_a_winner_contact_recorded_after_the_ceremony_is_published_when_sent(running, redis, sink):
    await publish(redis, topology.OUT_SUBMISSION, received("w-1"))
    await publish(redis, topology.OUT_JUDGING, announced({4: ("w-1", [])}))
    await publish(redis, topology.SEALED_JUDGING, winner(4, "w-1"))

    out = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 2)

    assert sorted(e["data"]["occasion"] for e in out) == ["awards", "winner"]


async def test_a_mail_server_that_refuses_everything_yields_failed_events_and_consuming_goes_on(settings, redis):
    with SmtpSink(refuse_with="550 5.1.1 <nobody@example.org>: mailbox unavailable") as refusing:
        service = build(settings.model_copy(update={"smtp_url": refusing.url}), quick())
        async with service.app:
            for sid in ("r-1", "r-2"):
                await publish(redis, topology.OUT_SUBMISSION, received(sid, email="nobody@example.org", name="Jane Roe"))
                await publish(redis, topology.OUT_ELIGIBILITY, screened(sid))
            failed = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 2)
            refusing.refuse_with = None
            await publish(redis, topology.OUT_SUBMISSION, received("r-3"))
            await publish(redis, topology.OUT_ELIGIBILITY, screened("r-3"))
            out = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 3)
            sample = service.metrics.registry.get_sample_value  # what /metrics serves (shared.metrics)
            assert sample("wsis_emails_total", {"service": "notify", "outcome": "failed"}) == 2
            assert sample("wsis_emails_total", {"service": "notify", "outcome": "sent"}) == 1

    assert [e["type"] for e in failed] == ["wsis.notification.failed"] * 2
    assert "550" in failed[0]["data"]["error"] and "nobody@" not in json.dumps(failed) and "Jane" not in json.dumps(failed)
    assert out[2]["type"] == "wsis.notification.sent" and out[2]["data"]["submission_id"] == "r-3"


async def test_a_server_that_is_down_is_retried_with_backoff_then_reported_failed(settings, redis):
    down = f"smtp://127.0.0.1:{SmtpSink().port}"  # nothing listens there
    service = build(settings.model_copy(update={"smtp_url": down}), quick())
    async with service.app:
        await publish(redis, topology.OUT_SUBMISSION, received("d-1"))
        await publish(redis, topology.OUT_ELIGIBILITY, screened("d-1"))
        out = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 1)

    assert out[0]["type"] == "wsis.notification.failed"
    assert "Connect" in out[0]["data"]["error"] or "refused" in out[0]["data"]["error"].lower()


async def test_a_temporary_refusal_is_retried_until_the_server_accepts(settings, redis):
    with SmtpSink(refuse_with="451 4.3.0 try again later") as busy:
        service = build(settings.model_copy(update={"smtp_url": busy.url}), quick().model_copy(update={"backoff_seconds": 0.3, "max_attempts": 5}))
        async with service.app:
            await publish(redis, topology.OUT_SUBMISSION, received("t-1"))
            await publish(redis, topology.OUT_ELIGIBILITY, screened("t-1"))
            await asyncio.sleep(0.4)
            busy.refuse_with = None
            out = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 1)

    assert out[0]["type"] == "wsis.notification.sent"
    assert len(busy.received()) == 1


async def test_notify_reads_the_reports_and_never_the_ballots_answers(running, redis):
    for _ in range(50):
        await publish(redis, topology.OUT_VOTING, vote())
        await publish(redis, topology.OUT_VOTING, vote("wsis.vote.rejected"))
    await publish(redis, topology.OUT_SUBMISSION, received("v-1"))
    await publish(redis, topology.VOTING_REPORTS, progress(1, {4: [("v-1", 1)]}))

    await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 1)

    assert await events(redis, topology.DEADLETTER) == []
    assert [g["name"] for g in await redis.xinfo_groups(topology.OUT_VOTING)] == []
    assert (await redis.xpending(topology.VOTING_REPORTS, "notify"))["pending"] == 0
    from sqlmodel import Session, select

    from shared.outbox import ProcessedEvent

    with Session(running.ctx.engine) as session:
        handled = session.exec(select(ProcessedEvent).where(ProcessedEvent.stream == topology.VOTING_REPORTS)).all()
    assert len(handled) == 1


async def test_data_that_does_not_fit_the_contract_is_dead_lettered_without_its_values(running, redis):
    bad = received("x-1", email="secret.person@example.org")
    del bad["data"]["title"]
    await publish(redis, topology.OUT_SUBMISSION, bad)
    await publish(redis, topology.OUT_SUBMISSION, cloudevent("wsis.submission.unknown", {}))

    dead = await wait_for(redis, topology.DEADLETTER, lambda seen: len(seen) == 2, timeout=20)

    assert {d["data"]["stream"] for d in dead} == {topology.OUT_SUBMISSION}
    assert all("secret.person" not in d["data"]["error"] for d in dead)
    assert (await redis.xpending(topology.OUT_SUBMISSION, "notify"))["pending"] == 0


async def test_without_an_smtp_url_emails_go_to_a_maildir_named_by_notification(settings, redis):
    service = build(settings, quick())
    async with service.app:
        await publish(redis, topology.OUT_SUBMISSION, received("m-1"))
        await publish(redis, topology.OUT_ELIGIBILITY, screened("m-1"))
        out = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 1)

    box = mailbox.Maildir(settings.data_dir / "mail", create=False)
    nid = out[0]["data"]["notification_id"]
    assert list(box.keys()) == [nid]
    assert box[nid]["Message-ID"] == f"<{nid}@wsis-prizes>"


async def test_no_address_or_name_reaches_the_logs(settings, redis, sink, monkeypatch):
    import structlog
    from structlog.testing import LogCapture

    from services.notify import handler
    from services.notify.adapters import sender

    capture = LogCapture()  # before any scrubbing processor: what the code itself logs
    for module in (handler, sender):
        monkeypatch.setattr(module, "log", structlog.wrap_logger(structlog.PrintLogger(), processors=[capture]))
    service = build(settings.model_copy(update={"smtp_url": sink.url}), quick())
    async with service.app:
        await publish(redis, topology.OUT_SUBMISSION, received("l-1", email="private.person@example.org", name="Zebulon Quux"))
        await publish(redis, topology.OUT_ELIGIBILITY, screened("l-1"))
        await publish(redis, topology.SEALED_JUDGING, winner(4, "l-1"))
        await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 1)
        await wait_until_async(lambda: len(sink.received()) == 2, what="2 emails")

    logs = json.dumps(capture.entries, default=str)
    assert {"contact.saved", "notification.queued", "notification.sent"} <= {e["event"] for e in capture.entries}
    assert "private.person" not in logs and "Zebulon" not in logs
    confidential = [e for e in capture.entries if e.get("occasion") == "confidential"]
    assert confidential and all(set(e) <= {"event", "log_level", "occasion", "stream", "event_id", "causation_id", "type", "waiting_for_address", "attempts", "error"} for e in confidential)
    assert "winner" not in json.dumps([e for e in capture.entries if e.get("type") != "wsis.winner.recorded"])


@pytest.mark.parametrize("transport", ["maildir", "smtp"])
async def test_an_email_whose_sender_died_before_recording_it_is_taken_over_after_the_lease(settings, redis, sink, monkeypatch, transport):
    from services.notify.adapters.sender import Sender

    original, crashed = Sender._record, []

    def dies_once(self, outcomes):  # the process "dies" between delivering and recording
        if not crashed:
            crashed.extend(o.row.notification_id for o in outcomes)
            raise RuntimeError("the sender died here")
        return original(self, outcomes)

    monkeypatch.setattr(Sender, "_record", dies_once)
    config = quick().model_copy(update={"send_timeout_seconds": 1.0, "lease_after_seconds": 2.5})
    smtp = {"smtp_url": sink.url} if transport == "smtp" else {}
    service = build(settings.model_copy(update=smtp), config)
    async with service.app:
        await publish(redis, topology.OUT_SUBMISSION, received("k-1"))
        await publish(redis, topology.OUT_ELIGIBILITY, screened("k-1"))
        out = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 1)
        await asyncio.sleep(0.3)
        assert len(await events(redis, topology.OUT_NOTIFY)) == 1

    assert crashed == [out[0]["data"]["notification_id"]]
    if transport == "maildir":
        assert len(mailbox.Maildir(settings.data_dir / "mail", create=False)) == 1  # found, not written again
    else:
        # The documented window: the server had it, so it gets it again, with the same Message-ID.
        assert [m["Message-ID"] for m in sink.received()] == [f"<{crashed[0]}@wsis-prizes>"] * 2


async def test_stopping_in_the_middle_of_sending_and_starting_again_sends_each_email_once(settings, redis):
    ids = [f"z-{i}" for i in range(40)]
    for sid in ids:
        await publish(redis, topology.OUT_SUBMISSION, received(sid))
    await publish(redis, topology.VOTING_REPORTS, progress(1, {4: [(sid, i) for i, sid in enumerate(ids)]}))
    # A relay that takes 50 ms a message: the stop, asked for after the fifth, comes while most
    # still wait (an instant relay can take all forty before the sender sees the stop).
    with SmtpSink(delay_seconds=0.05) as sink:
        smtp_settings = settings.model_copy(update={"smtp_url": sink.url})
        service = build(smtp_settings, quick())
        async with service.app:
            await wait_until_async(lambda: len(sink.received()) >= 5, what="5 emails")
        stopped_at = len(sink.received())
        async with service_running("notify", smtp_settings, quick()):
            await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == len(ids))
            await asyncio.sleep(0.3)

    assert stopped_at < len(ids)
    assert sorted(m["To"].addresses[0].addr_spec for m in sink.received()) == sorted(f"{sid}@example.org" for sid in ids)


async def test_an_email_not_sent_yet_follows_the_coordinators_new_address(settings, redis, sink):
    service = build(settings.model_copy(update={"smtp_url": sink.url}), quick())
    await publish(redis, topology.OUT_ELIGIBILITY, screened("a-1"))  # queued before any address is known
    await publish(redis, topology.OUT_SUBMISSION, received("a-1", email="first@example.org"))
    await publish(redis, topology.OUT_SUBMISSION, received("a-1", email="second@example.org", revision=2))
    async with service.app:  # both addresses are read before the sender's first look
        out = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 1)
        await asyncio.sleep(0.3)

    assert [m["To"].addresses[0].addr_spec for m in sink.received()] == ["second@example.org"]
    assert out[0]["data"]["occasion"] == "acknowledgement"




async def test_an_outcome_event_whose_publish_failed_is_published_by_the_relay(settings, redis, sink, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from services.notify.adapters import sender as sender_module

    real, failures = sender_module.bus.publish_all, []

    async def flaky(client, events):  # type: ignore[no-untyped-def]
        events = list(events)
        if not failures and any(stream == topology.OUT_NOTIFY for stream, _ in events):
            failures.append(len(events))
            raise RedisConnectionError("the bus went away for a moment")
        return await real(client, events)

    monkeypatch.setattr(sender_module.bus, "publish_all", flaky)
    async with service_running("notify", settings.model_copy(update={"smtp_url": sink.url}), quick()):
        await publish(redis, topology.OUT_SUBMISSION, received("o-1"))
        await publish(redis, topology.OUT_ELIGIBILITY, screened("o-1"))
        out = await wait_for(redis, topology.OUT_NOTIFY, lambda seen: len(seen) == 1)
        await asyncio.sleep(0.3)

    assert failures == [1]
    assert len(await events(redis, topology.OUT_NOTIFY)) == 1 and out[0]["data"]["submission_id"] == "o-1"
    assert len(sink.received()) == 1


async def test_operators_reach_the_sender_to_send_what_is_due_now(settings, redis, sink):
    idle = quick().model_copy(update={"poll_seconds": 3600.0})  # the loop looks once at start, then waits
    async with service_running("notify", settings.model_copy(update={"smtp_url": sink.url}), idle) as service:
        await publish(redis, topology.OUT_SUBMISSION, received("p-1"))
        await publish(redis, topology.OUT_ELIGIBILITY, screened("p-1"))
        handled = await wait_until_async(service.sender.step, what="a notification due for the sender", timeout=15.0, every=0.1)

        assert handled == 1
        assert [m["To"].addresses[0].addr_spec for m in sink.received()] == ["p-1@example.org"]
