"""`wsis demo` as a person runs it: the whole system on a fresh data dir, a contest, a summary that adds up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import ROOT, clean_environment

pytestmark = pytest.mark.slow


def demo(tmp_path: Path, name: str, *options: str, timeout: float = 600) -> tuple[subprocess.CompletedProcess[str], dict]:
    env = clean_environment()
    env["COLUMNS"] = "160"
    data = tmp_path / name
    done = subprocess.run([sys.executable, "-m", "wsis.cli", "demo", "--data-dir", str(data), *options],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # fmt: skip
    assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    return done, json.loads((data / "report" / "report.json").read_text())


def adds_up(output: str, view: dict) -> None:
    assert "FAIL" not in output and output.count("│ ok │") == 16, output[-6000:]
    categories = view["categories"]
    full = [c for c in categories if len(c.get("finalists", [])) == 5]
    assert len(full) == 18 and sum(1 for c in full if c.get("winner")) == 18 and sum(len(c["champions"]) for c in full) == 72
    entries, votes = view["entries"], view["votes"]
    assert sum(entries["by_outcome"].values()) == entries["screened"]
    assert votes["accepted"] + sum(votes["rejected"].values()) == votes["answered"] and votes["conflicting_answers"] == 0


@pytest.mark.timeout(1200)
def test_the_demo_plays_a_whole_contest_and_the_same_seed_gives_the_same_results(tmp_path):
    first, view = demo(tmp_path, "first", "--seed", "11")
    adds_up(first.stdout, view)
    assert view["announced"] is True and set(view["votes"]["rejected"]) == {
        "voter_unknown", "profile_incomplete", "voting_closed", "project_not_nominated", "category_mismatch",
        "own_project", "already_voted", "invalid_ballot"}  # fmt: skip
    second, again = demo(tmp_path, "second", "--seed", "11")
    assert again == view  # winners, tallies, verdicts, emails: all of it
    assert "report.html" in second.stdout and (tmp_path / "second" / "report" / "report.html").stat().st_size > 20_000
    stories = json.loads((tmp_path / "second" / "report" / "success-stories.json").read_text())
    assert stories["counts"] == {"winner": 18, "champion": 72} and (tmp_path / "second" / "report" / "stocktaking.md").is_file()


@pytest.mark.timeout(1200)
def test_the_demo_at_a_tenth_of_the_2021_size_adds_up(tmp_path):
    done, view = demo(tmp_path, "medium", "--scale", "medium", "--seed", "3", timeout=1100)
    adds_up(done.stdout, view)
    assert view["entries"]["screened"] > 1_250 and view["votes"]["answered"] > 120_000
    assert sum(c["nominees"] for c in view["categories"]) == 360  # 20 in every category
