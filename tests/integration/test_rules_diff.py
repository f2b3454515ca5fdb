"""`wsis rules diff`: entries screened and stored by the eligibility service's own code, then an edited contest file.

Each edit lists exactly the entries whose verdict it changes, reads the
database without writing to it, and publishes nothing (no server is given).
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from services.eligibility import audit, store
from services.eligibility.domain import similarity as sim
from services.eligibility.domain.entry import EntryRevision, content_of
from services.eligibility.rulebook import load_rule_book
from services.eligibility.screener import Screener
from shared.contest import DEFAULT_CONTEST_FILE, load_contest
from shared.db import create_tables, make_engine
from tests.support.contest import text
from tests.support.factories import submission
from wsis.cli import cli

runner = CliRunner()
S7 = "params: {answer: short_description, min: 150, max: 200}"
S4 = "similarity: 0.4 "


def prose(seed: int, n: int) -> str:
    return text(random.Random(seed), n)


def entry(sid: str, n: int, short: str, **more: object) -> EntryRevision:
    data = submission(sid, entity={"entity_id": f"org-{sid}", "name": f"Org {sid}", "stakeholder_type": "civil_society", "country": "KE"},
                      title=f"Project {sid}", short_description=short, impact=prose(n + 100, 90), partnerships=prose(n + 200, 60),
                      challenges_and_prospects=prose(n + 300, 60), **more)  # fmt: skip
    return EntryRevision.model_validate({**data, "received_at": datetime(2021, 1, 10, 10, n, tzinfo=UTC), "revision": 1})


def reworded(short: str, every: int, seed: int) -> str:
    """The text with every `every`-th word replaced: a near copy, less near as `every` falls."""
    rng = random.Random(seed)
    return " ".join(rng.choice(("alpha", "beta", "gamma", "delta", "omega")) + str(i) if i % every == 0 else w for i, w in enumerate(short.split()))


ORIGINAL = prose(1, 170)
ENTRIES = [
    entry("short-170", 1, ORIGINAL),
    entry("short-190", 2, prose(2, 190)),
    entry("short-199", 3, prose(3, 199)),
    entry("short-181", 4, prose(4, 181)),
    entry("short-210", 5, prose(5, 210)),  # already over the limit: no change
    entry("near-copy", 6, reworded(ORIGINAL, 6, 6)),  # about 0.5 similar to short-170: review from 0.4
    entry("far-copy", 7, reworded(ORIGINAL, 3, 7)),  # about 0.2 similar
]


def store_entries(where: Path, database_url: str | None = None) -> None:
    """The entries screened and stored by the service's Screener, in the service's tables."""
    engine = make_engine("eligibility", where, database_url)
    create_tables(engine, (*store.TABLES, *audit.TABLES))
    screener = Screener(load_rule_book(load_contest()))
    with Session(engine) as session:
        for one in ENTRIES:
            screener.receive(session, one)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("wsis")
    store_entries(where)
    return where


def edited(tmp_path: Path, old: str, new: str) -> Path:
    source = DEFAULT_CONTEST_FILE.read_text("utf-8")
    assert source.count(old) == 1
    shutil.copy(DEFAULT_CONTEST_FILE.parent / "previous-winners.csv", tmp_path / "previous-winners.csv")
    path = tmp_path / "edited.yaml"
    path.write_text(source.replace(old, new), "utf-8")
    return path


def diff(data_dir: Path, contest_file: Path) -> list[dict]:
    digest = hashlib.sha256((data_dir / "db" / "eligibility.sqlite").read_bytes()).hexdigest()
    result = runner.invoke(cli, ["rules", "diff", str(contest_file), "--data-dir", str(data_dir), "--json"],
                           env={"WSIS_DATABASE_URL": None, "WSIS_CONTEST_FILE": None, "WSIS_REDIS_URL": None})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert hashlib.sha256((data_dir / "db" / "eligibility.sqlite").read_bytes()).hexdigest() == digest  # read-only
    return json.loads(result.stdout)


def similarity(a: EntryRevision, b: EntryRevision) -> float:
    return sim.jaccard(sim.shingles(content_of(a), 2), sim.shingles(content_of(b), 2))


def test_the_entries_are_as_the_tests_need(data_dir: Path) -> None:
    assert 0.4 <= similarity(ENTRIES[0], ENTRIES[5]) < 0.6
    assert 0.15 <= similarity(ENTRIES[0], ENTRIES[6]) < 0.3


def test_the_same_rules_change_nothing(data_dir: Path) -> None:
    assert diff(data_dir, DEFAULT_CONTEST_FILE) == []


def test_a_lower_word_limit_lists_exactly_the_entries_over_it(data_dir: Path, tmp_path: Path) -> None:
    changes = diff(data_dir, edited(tmp_path, S7, "params: {answer: short_description, min: 150, max: 180}"))
    assert sorted(c["submission_id"] for c in changes) == ["short-181", "short-190", "short-199"]
    for change in changes:
        assert change["before"] == "eligible" and change["after"] == "ineligible"
        assert change["nominable"][1] is False
        [rule] = change["rules"]
        assert rule["rule"] == "S7.short_description_words" and (rule["before"], rule["after"]) == ("pass", "fail")
        assert "the limit is 180" in rule["reason"]


def test_a_higher_similarity_threshold_clears_the_near_copy(data_dir: Path, tmp_path: Path) -> None:
    changes = diff(data_dir, edited(tmp_path, S4, "similarity: 0.6 "))
    assert [(c["submission_id"], c["before"], c["after"]) for c in changes] == [("near-copy", "needs_review", "eligible")]
    assert [(r["rule"], r["before"], r["after"]) for r in changes[0]["rules"]] == [("S4.not_submitted_twice", "review", "pass")]


def test_a_lower_similarity_threshold_sends_the_far_copy_to_review(data_dir: Path, tmp_path: Path) -> None:
    changes = diff(data_dir, edited(tmp_path, S4, "similarity: 0.15 "))
    assert [(c["submission_id"], c["before"], c["after"]) for c in changes] == [("far-copy", "eligible", "needs_review")]
    assert changes[0]["rules"][0]["reason"].endswith("entered earlier (review from 15%)")


def test_the_text_output_says_what_changes_and_why(data_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["rules", "diff", str(edited(tmp_path, S7, S7.replace("200", "180"))), "--data-dir", str(data_dir)],
                           env={"WSIS_DATABASE_URL": None, "WSIS_CONTEST_FILE": None})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "3 of 7 stored entries would change (nothing was published)"
    assert "short-190 (revision 1): eligible -> ineligible" in result.stdout
    assert "  S7.short_description_words: pass -> fail: the short description has 190 words; the limit is 180" in result.stdout


def test_an_invalid_contest_file_or_no_database_is_one_line(data_dir: Path, tmp_path: Path) -> None:
    bad = edited(tmp_path, S4, "similarity: 7 ")
    result = runner.invoke(cli, ["rules", "diff", str(bad), "--data-dir", str(data_dir)], env={"WSIS_DATABASE_URL": None})
    assert result.exit_code == 2 and "similarity" in result.output
    result = runner.invoke(cli, ["rules", "diff", str(DEFAULT_CONTEST_FILE), "--data-dir", str(tmp_path / "none")], env={"WSIS_DATABASE_URL": None})
    assert result.exit_code == 1 and result.output.startswith("nothing to compare: no eligibility database")


def test_the_database_may_be_postgresql(database_url: str | None, tmp_path: Path) -> None:
    store_entries(tmp_path / "wsis", database_url)
    given = ["--database-url", database_url] if database_url else []
    result = runner.invoke(cli, ["rules", "diff", str(edited(tmp_path, S7, S7.replace("200", "180"))), "--data-dir", str(tmp_path / "wsis"),
                                 "--json", *given], env={"WSIS_DATABASE_URL": None, "WSIS_CONTEST_FILE": None})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(c["submission_id"] for c in json.loads(result.stdout)) == ["short-181", "short-190", "short-199"]
