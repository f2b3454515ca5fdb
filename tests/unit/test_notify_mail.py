"""Email texts, the embargo's wording, delivery into a Maildir, error scrubbing."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.notify.adapters.mail import compose, scrub
from services.notify.adapters.templates import TemplateProblem, Templates
from services.notify.adapters.transports import MaildirTransport, Permanent
from services.notify.domain import Occasion
from services.notify.store import Contact, Notification
from shared.contest import load_contest

CONTEST = load_contest()
FACTS = {
    Occasion.acknowledgement: {"outcome": "ineligible", "category": 4, "nominable": False,
                               "findings": [{"rule": "S6.completed_work", "result": "fail", "reason": "status is ongoing"}]},
    Occasion.verdict_changed: {"outcome": "eligible", "previous": "needs_review", "category": 4, "nominable": True, "findings": [],
                               "decided_by": {"reason": "completed in 2020", "machine_outcome": "needs_review"}},
    Occasion.nomination: {"nominated": True, "category": 4},
    Occasion.progress: {"category": 4, "votes": 1, "rank": 3, "projects": 20, "as_of": "2021-03-07T23:00:00+00:00"},
    Occasion.winner: {"category": 4},
    Occasion.champion: {"category": 4, "votes": 12, "finalists": 5},
    Occasion.awards: {"category": 4, "won": False, "winner_id": "w", "winner_title": "Another project"},
}


def row(occasion: Occasion, facts: dict | None = None, week: int = 0) -> Notification:
    return Notification(
        notification_id="nid-1", occasion=occasion.value, recipient="amina@example.org", submission_id="s-1",
        week=week or (1 if occasion is Occasion.progress else 0), facts=facts or FACTS[occasion], cause_id="c", cause_time="2021-03-08T00:00:00Z",
    )


def contact(title: str = "Digital classrooms", name: str = "Amina Otieno", email: str = "amina@example.org") -> Contact:
    return Contact(submission_id="s-1", name=name, email=email, title=title, category=4, revision=1)


def mail(occasion: Occasion, **kwargs):  # type: ignore[no-untyped-def]
    return compose(row(occasion, **kwargs), contact(), CONTEST, Templates(), "WSIS Prizes <noreply@wsis-prizes.local>")


@pytest.mark.parametrize("occasion", list(Occasion))
def test_every_occasion_renders_to_a_readable_email_addressed_to_the_coordinator(occasion):
    message = mail(occasion)

    assert message["To"] == "Amina Otieno <amina@example.org>"
    assert message["Message-ID"] == "<nid-1@wsis-prizes>"
    assert "Digital classrooms" in message["Subject"] and "\n" not in message["Subject"]
    body = message.get_content()
    assert body.startswith("Dear Amina Otieno,") and "{{" not in body and "{%" not in body


@pytest.mark.parametrize("occasion", [Occasion.acknowledgement, Occasion.nomination, Occasion.progress, Occasion.champion])
def test_before_the_ceremony_no_email_but_the_winner_contact_speaks_of_a_winner(occasion):
    message = mail(occasion)
    assert "winner" not in (message["Subject"] + message.get_content()).lower()


def test_a_champion_is_called_champion_and_the_winner_contact_is_marked_confidential():
    assert "Champion" in mail(Occasion.champion)["Subject"]
    winner = mail(Occasion.winner)
    assert "confidential" in winner["Subject"] and "CONFIDENTIAL" in winner.get_content()


def test_the_acknowledgement_names_each_failed_rule_and_its_reason():
    assert "* S6.completed_work (not met): status is ongoing" in mail(Occasion.acknowledgement).get_content()


def test_weekly_progress_shows_votes_rank_and_the_end_of_the_week_in_geneva_time():
    body = mail(Occasion.progress).get_content()
    assert "has 1 vote and ranks 3 of 20" in body and "08 March 2021, 00:00" in body


def test_a_title_that_looks_like_a_template_is_printed_as_it_is():
    nasty = "{{ 7 * 7 }} {% for x in range(3) %}x{% endfor %} {{ ''.__class__ }}"
    message = compose(row(Occasion.nomination), contact(title=nasty), CONTEST, Templates(), "x@example.org")
    assert nasty in message.get_content() and "49" not in message.get_content()


def test_a_title_with_line_breaks_cannot_add_a_header():
    message = compose(row(Occasion.champion), contact(title="Good\r\nBcc: victim@example.org"), CONTEST, Templates(), "x@example.org")
    assert message["Bcc"] is None and "\n" not in message["Subject"]


def test_an_unusable_address_is_a_permanent_failure():
    with pytest.raises(Permanent):
        compose(Notification(**{**row(Occasion.champion).model_dump(), "recipient": "not an address"}), contact(), CONTEST, Templates(), "x@example.org")


def test_a_missing_or_broken_template_stops_the_start(tmp_path: Path):
    (tmp_path / "en").mkdir()
    for occasion in Occasion:
        (tmp_path / "en" / f"{occasion.value}.txt").write_text("Subject: hi\n\nDear {{ name }}\n")
    Templates(tmp_path).check()
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "champion.txt").write_text("Subject: hi\n\n{% if %}\n")
    with pytest.raises(TemplateProblem, match="fr/champion.txt"):
        Templates(tmp_path).check()
    (tmp_path / "fr" / "champion.txt").unlink()
    Templates(tmp_path).check()  # a language without the template falls back to English
    (tmp_path / "en" / "champion.txt").unlink()
    with pytest.raises(TemplateProblem, match="en/champion.txt"):
        Templates(tmp_path).check()


def test_staff_edits_to_a_template_apply_to_the_next_email(tmp_path: Path):
    (tmp_path / "en").mkdir()
    for occasion in Occasion:
        (tmp_path / "en" / f"{occasion.value}.txt").write_text("Subject: first\n\nbody\n")
    templates = Templates(tmp_path)
    assert templates.render("champion", {}).subject == "first"
    path = tmp_path / "en" / "champion.txt"
    path.write_text("Subject: second\n\nbody\n")
    import os

    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert templates.render("champion", {}).subject == "second"


async def test_maildir_delivery_is_idempotent_per_notification(tmp_path: Path):
    transport = MaildirTransport(tmp_path / "mail")
    message = mail(Occasion.champion)

    await transport.deliver("nid-1", message)
    await transport.deliver("nid-1", message)

    assert sorted(p.name for p in (tmp_path / "mail" / "new").iterdir()) == ["nid-1"]
    assert list((tmp_path / "mail" / "tmp").iterdir()) == []


async def test_maildir_sees_a_message_a_mail_client_has_already_read(tmp_path: Path):
    transport = MaildirTransport(tmp_path / "mail")
    await transport.deliver("nid-1", mail(Occasion.champion))
    (tmp_path / "mail" / "new" / "nid-1").rename(tmp_path / "mail" / "cur" / "nid-1:2,S")

    await transport.deliver("nid-1", mail(Occasion.champion))

    assert list((tmp_path / "mail" / "new").iterdir()) == []


def test_error_texts_lose_addresses_and_names():
    text = scrub("550 5.1.1 <amina@example.org>: no mailbox for Amina Otieno", ["Amina Otieno"])
    assert text == "550 5.1.1 <[email]>: no mailbox for [redacted]"


def test_a_lease_shorter_than_a_send_is_a_start_up_error():
    from pydantic import ValidationError

    from services.notify.adapters.settings import MailSettings

    assert MailSettings(send_timeout_seconds=2, lease_after_seconds=5).lease_seconds == 5
    assert MailSettings(send_timeout_seconds=60).lease_seconds == 210
    with pytest.raises(ValidationError, match="lease_after_seconds"):
        MailSettings(send_timeout_seconds=10, lease_after_seconds=15)
