"""The contest file: the 2021 calendar in Geneva time, validated at start."""

from datetime import UTC, datetime

import pytest
import yaml

from shared.contest import DEFAULT_CONTEST_FILE, ContestError, load_contest


def utc(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@pytest.fixture(scope="module")
def contest():
    return load_contest()


def test_the_2021_windows_close_at_the_contract_utc_instants(contest):
    assert contest.submission.end == utc("2021-01-25T22:00:00Z")
    assert contest.nomination.end == utc("2021-02-26T23:00:00Z")
    assert contest.nominees_published == utc("2021-02-28T23:00:00Z")
    assert contest.voting.start == utc("2021-02-28T23:00:00Z")
    assert contest.voting.end == utc("2021-03-31T21:00:00Z")
    assert contest.winner_selection.end == utc("2021-04-12T22:00:00Z")


def test_a_window_includes_its_opening_and_excludes_its_closing_instant(contest):
    assert utc("2021-03-31T20:59:59Z") in contest.voting
    assert utc("2021-03-31T21:00:00Z") not in contest.voting
    assert utc("2021-02-28T23:00:00Z") in contest.voting
    assert utc("2021-02-28T22:59:59Z") not in contest.voting


def test_voting_weeks_are_local_weeks_and_the_last_is_cut_at_the_close(contest):
    ends = [w.end for w in contest.voting_weeks]
    assert ends == [
        utc("2021-03-07T23:00:00Z"),
        utc("2021-03-14T23:00:00Z"),
        utc("2021-03-21T23:00:00Z"),
        utc("2021-03-28T22:00:00Z"),  # DST began on 28 March: midnight is 22:00Z
        utc("2021-03-31T21:00:00Z"),
    ]
    assert [w.number for w in contest.voting_weeks] == [1, 2, 3, 4, 5]
    assert contest.voting_week_of(utc("2021-03-28T21:59:59Z")).number == 4
    assert contest.voting_week_of(utc("2021-03-28T22:00:00Z")).number == 5
    assert contest.voting_week_of(utc("2021-03-31T21:00:00Z")) is None


def test_there_are_18_categories_and_the_quotas_of_the_call(contest):
    assert sorted(contest.categories) == list(range(1, 19))
    assert contest.categories[15].action_line == "C8"
    assert (contest.quotas.nominees_per_category, contest.quotas.finalists_per_category, contest.quotas.winners_per_category) == (20, 5, 1)
    assert (contest.word_range("short_description").min, contest.word_range("short_description").max) == (150, 200)


def _write(tmp_path, mutate):
    data = yaml.safe_load(DEFAULT_CONTEST_FILE.read_text())
    mutate(data)
    path = tmp_path / "contest.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda d: d.update(timezone="Europe/Geneva"), "unknown time zone"),
        (lambda d: d["calendar"].update(votng=d["calendar"]["voting"]), "votng"),
        (lambda d: d["quotas"].pop("finalists_per_category"), "finalists_per_category"),
        (lambda d: d["calendar"]["voting"].update(closes="2021-02-01T00:00:00"), "must be after"),
    ],
)
def test_a_typo_or_a_missing_field_stops_the_start_with_a_clear_message(tmp_path, mutate, needle):
    with pytest.raises(ContestError) as error:
        load_contest(_write(tmp_path, mutate))
    assert needle in str(error.value)


def test_a_missing_or_broken_file_is_a_clear_error(tmp_path):
    with pytest.raises(ContestError, match="cannot read"):
        load_contest(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("calendar: [unclosed")
    with pytest.raises(ContestError, match="not valid YAML"):
        load_contest(bad)
