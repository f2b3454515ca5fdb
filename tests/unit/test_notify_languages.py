"""Every email in every language, rendered from the shipped templates with real data (CONTRACT 5.4, 5.5).

Each occasion is rendered in each situation its text depends on (phase open
or closed, review pending, decided by staff...), in each of the six
languages; the outputs are read for leftover placeholders, English leaking
into another language, the embargo's wording and the header saying the language.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from services.notify.adapters.local import RLM, category_name, when
from services.notify.adapters.mail import compose
from services.notify.adapters.templates import LANGUAGES, Templates
from services.notify.domain import Occasion
from services.notify.store import Contact, Notification
from shared.contest import load_contest

CONTEST = load_contest()
TEMPLATES = Templates()
OPEN, CLOSED = "2021-01-10T10:00:00Z", "2021-02-10T10:00:00Z"  # inside the submission phase, after it
FINDING = {"rule": "S6.completed_work", "result": "fail", "reason": "status is ongoing"}
REVIEW = {"rule": "S10.english", "result": "review", "reason": "unsure of the language"}
STAFF = {"reason": "The project was completed in 2020.", "machine_outcome": "needs_review"}


def verdict(outcome: str, at: str, findings: list, decided_by: dict | None = None, previous: str | None = None) -> dict:
    return {"outcome": outcome, "category": 4, "findings": findings, "nominable": outcome == "eligible",
            "decided_by": decided_by, "screened_at": at, "previous": previous}


SITUATIONS: dict[str, tuple[Occasion, dict]] = {
    "ineligible, phase open": (Occasion.acknowledgement, verdict("ineligible", OPEN, [FINDING])),
    "ineligible, phase closed": (Occasion.acknowledgement, verdict("ineligible", CLOSED, [FINDING])),
    "review pending": (Occasion.acknowledgement, verdict("needs_review", OPEN, [REVIEW])),
    "review pending, phase closed": (Occasion.acknowledgement, verdict("needs_review", CLOSED, [REVIEW])),
    "eligible": (Occasion.acknowledgement, verdict("eligible", OPEN, [])),
    "staff: ineligible": (Occasion.acknowledgement, verdict("ineligible", CLOSED, [REVIEW], STAFF)),
    "changed by staff": (Occasion.verdict_changed, verdict("eligible", CLOSED, [REVIEW], STAFF, previous="needs_review")),
    "changed by an amendment": (Occasion.verdict_changed, verdict("ineligible", OPEN, [FINDING], previous="eligible")),
    "nominated": (Occasion.nomination, {"nominated": True, "category": 4}),
    "not nominated": (Occasion.nomination, {"nominated": False, "category": 15}),
    "progress": (Occasion.progress, {"category": 4, "votes": 1, "rank": 3, "projects": 20, "as_of": "2021-03-07T23:00:00+00:00"}),
    "champion": (Occasion.champion, {"category": 4, "votes": 12, "finalists": 5}),
    "champion, votes unknown": (Occasion.champion, {"category": 18, "votes": None, "finalists": 5}),
    "winner": (Occasion.winner, {"category": 4}),
    "awards: won": (Occasion.awards, {"category": 4, "won": True, "winner_id": "s-1", "winner_title": "Digital classrooms"}),
    "awards: champion": (Occasion.awards, {"category": 4, "won": False, "winner_id": "w", "winner_title": "Another project"}),
}
# Data, not text: names, titles, ids, rule ids and reasons stay as they were written.
DATA = ["Amina Otieno", "Digital classrooms", "Another project", "s-1", CONTEST.name, FINDING["rule"], FINDING["reason"],
        REVIEW["rule"], REVIEW["reason"], STAFF["reason"]]
ENGLISH = ["Dear", "regards", "the", "your", "you", "entry", "team", "project", "projects", "category", "eligible", "voting",
           "week", "Geneva", "Congratulations", "Thank", "winner", "review", "screening", "will", "has", "with", "and", "of"]
WINNER = {"en": "winner", "fr": "lauréat", "es": "ganador", "ru": "победител", "zh": "大奖得主", "ar": "فائز"}
CHAMPION = {"en": "champion", "fr": "champion", "es": "campe", "ru": "чемпион", "zh": "优秀项目", "ar": "أبطال"}


def email(situation: str, language: str, templates: Templates = TEMPLATES):  # type: ignore[no-untyped-def]
    occasion, facts = SITUATIONS[situation]
    row = Notification(notification_id="nid-1", occasion=occasion.value, recipient="amina@example.org", submission_id="s-1",
                       week=1 if occasion is Occasion.progress else 0, facts=facts, cause_id="c", cause_time="2021-03-08T00:00:00Z")
    contact = Contact(submission_id="s-1", name="Amina Otieno", email="amina@example.org", title="Digital classrooms",
                      category=4, revision=1, language=language)
    return compose(row, contact, CONTEST, templates, "WSIS Prizes <noreply@wsis-prizes.local>")


def text(situation: str, language: str) -> str:
    message = email(situation, language)
    return message["Subject"] + "\n" + message.get_content()


def test_every_language_has_every_template():
    assert TEMPLATES.missing() == []
    TEMPLATES.check()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_every_email_in_every_language_is_whole_and_says_its_language(situation, language):
    message = email(situation, language)
    seen = text(situation, language)

    assert message["Content-Language"] == language
    assert "{" not in seen and "}" not in seen and "None" not in seen
    assert "Amina Otieno" in seen and "Digital classrooms" in message["Subject"]
    category = CONTEST.categories[SITUATIONS[situation][1]["category"]]
    assert situation == "not nominated" or category_name(TEMPLATES.folder, category.title, language) in seen.replace("\n", " ").replace(RLM, "")


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_no_english_leaks_into_another_language(situation, language):
    seen = text(situation, language)
    for data in DATA:
        seen = seen.replace(data, " ")
    leaked = [word for word in ENGLISH if re.search(rf"\b{word}\b", seen, re.IGNORECASE)]
    assert leaked == [], seen


@pytest.mark.parametrize("language", LANGUAGES)
def test_before_the_ceremony_only_the_winner_contact_speaks_of_a_winner(language):
    for situation, (occasion, _) in SITUATIONS.items():
        if occasion not in (Occasion.winner, Occasion.awards):
            assert WINNER[language] not in text(situation, language).lower(), situation
    assert CHAMPION[language] in text("champion", language).lower()
    assert CHAMPION[language] in text("winner", language).lower()  # publicly one of the champions
    assert WINNER[language] in text("winner", language).lower()


@pytest.mark.parametrize("language", LANGUAGES)
def test_corrections_are_invited_only_while_the_submission_phase_is_open(language):
    opened, closed = text("ineligible, phase open", language), text("ineligible, phase closed", language)
    close = when(CONTEST.local(CONTEST.submission.end), language)
    assert close in opened and close in closed and opened != closed
    assert text("review pending", language) != text("review pending, phase closed", language)


def test_the_english_texts_say_what_is_true_in_each_situation():
    assert "you can correct your entry" in text("ineligible, phase open", "en")
    closed = text("ineligible, phase closed", "en")
    assert "can no longer be changed" in closed and "you can correct" not in closed
    review = text("review pending", "en")
    assert "will look at them and decide, and we will\nwrite to you with the decision" in review
    assert "You need not do anything" not in review
    staff = text("changed by staff", "en")
    assert "The team's reason: The project was completed in 2020." in staff and "staff-7" not in staff
    assert 'changed from\n"to be reviewed" to "eligible"' in staff
    assert "* S6.completed_work (not met): status is ongoing" in text("changed by an amendment", "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_staff_decision_is_told_with_the_staffs_reason(language):
    assert STAFF["reason"] in text("changed by staff", language)
    assert STAFF["reason"] in text("staff: ineligible", language)


def test_arabic_reads_right_to_left_line_by_line():
    message = email("review pending", "ar")
    lines = [line for line in message.get_content().splitlines() if line.strip()]
    assert all(line.startswith(RLM) for line in lines) and message["Subject"].startswith(RLM)
    assert RLM not in email("review pending", "fr").get_content()


@pytest.mark.parametrize(("language", "written"), [
    ("en", "25 January 2021, 23:00"), ("fr", "25 janvier 2021 à 23:00"), ("es", "25 de enero de 2021, 23:00"),
    ("ru", "25 января 2021\u202fг., 23:00"), ("zh", "2021年1月25日 23:00"), ("ar", "25 يناير 2021، 23:00"),
])
def test_dates_are_written_the_local_way(language, written):
    assert when(datetime(2021, 1, 25, 23, 0), language) == written


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_category_has_its_name_in_every_language(language):
    names = {category_name(TEMPLATES.folder, c.title, language) for c in CONTEST.categories.values()}
    assert len(names) == len(CONTEST.categories)
    assert not names & {c.title for c in CONTEST.categories.values()}


def test_a_template_missing_in_a_language_falls_back_to_english(tmp_path: Path):
    (tmp_path / "en").mkdir()
    (tmp_path / "fr").mkdir()
    for occasion in Occasion:
        (tmp_path / "en" / f"{occasion.value}.txt").write_text("Subject: {{ title }}\n\nDear {{ name }}\n")
    (tmp_path / "fr" / "champion.txt").write_text("Subject: {{ title }}\n\nBonjour {{ name }}\n")
    templates = Templates(tmp_path)

    assert templates.missing() != []
    assert email("champion", "fr", templates)["Content-Language"] == "fr"
    fallback = email("winner", "fr", templates)
    assert fallback["Content-Language"] == "en" and fallback.get_content().startswith("Dear Amina Otieno")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_long_subject_keeps_every_space_through_smtp(language):
    from email import message_from_bytes, policy

    message = email("progress", language)
    subject = message["Subject"]
    for sent in (message.as_bytes(policy=policy.SMTP), message.as_bytes()):
        assert all(len(line) <= 78 for line in sent.split(b"\r\n" if b"\r\n" in sent else b"\n"))
        assert message_from_bytes(sent, policy=policy.default)["Subject"] == subject
