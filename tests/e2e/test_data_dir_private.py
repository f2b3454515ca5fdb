"""A running `wsis up`: its data dir is its owner's alone, and the README's platform examples work as written.

One system for both: the examples publish as the submission platform
(its URL from `<data dir>/publishers/platform.url`), staff publish an
entry whose coordinator gets an email, and then every file there is
(the server's, the databases, the mail, the URL files) is checked.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.events import cloudevent
from tests.support.factories import submission
from tests.support.processes import ROOT, clean_environment
from tests.support.streams import put
from tests.support.systems import System
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
README = (ROOT / "README.md").read_text("utf-8")
PUBLISHERS = ("platform", "registry", "frontend", "panel", "console")


def platform_example(language: str) -> str:
    """The README's example in `language`, from its "Connecting a platform" section."""
    section = README.split("## Connecting a platform", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(rf"```{language}\n(.*?)```", section, re.S)
    return code


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[System, Path]]:
    root = tmp_path_factory.mktemp("private")
    data = root / "data"
    data.mkdir(mode=0o755)
    (data / "left-open").write_text("from an older version")
    (data / "left-open").chmod(0o644)
    (root / ".wsis").symlink_to(data)  # the README's examples read `.wsis/...` from where they run
    system = System(root, supervisor="wsis up")
    system.start(timeout=120)
    try:
        yield system, root
    finally:
        system.stop()


def run_example(command: list[str], cwd: Path) -> str:
    env = {**clean_environment(), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_publisher_has_its_url_file_for_its_owner_alone(running):
    system, _ = running
    for user in PUBLISHERS:
        url_file = system.data_dir / "publishers" / f"{user}.url"
        assert stat.S_IMODE(url_file.stat().st_mode) == 0o600
        assert re.fullmatch(rf"redis://{user}:[\w-]+@127\.0\.0\.1:\d+/0", url_file.read_text().strip())


def test_the_readme_redis_cli_example_finds_its_answer(running):
    _, root = running
    out = run_example(["bash", "-euo", "pipefail", "-c", platform_example("sh")], root)
    assert out.strip() == '"causationid":"entry-7"'


def test_the_readme_python_example_gets_its_answer(running):
    _, root = running
    out = run_example([sys.executable, "-c", platform_example("python")], root)
    assert out.strip() == "wsis.submission.rejected True"


def test_nothing_in_the_data_dir_is_open_to_group_or_others(running):
    system, _ = running
    put(system.admin, "wsis:in:submissions", cloudevent("wsis.submission.submitted", submission("private-1")))
    mail = system.data_dir / "mail"
    wait_until(lambda: any(p.is_file() for p in mail.rglob("*")), what="an email in the Maildir", timeout=120)
    system.admin.bgrewriteaof()  # the server's rewritten files too
    wait_until(lambda: system.admin.info("persistence")["aof_rewrite_in_progress"] == 0, what="the rewrite", timeout=60)
    seen, open_ = set(), []
    for folder, _, files in os.walk(system.data_dir):
        for path in [Path(folder), *(Path(folder) / name for name in files)]:
            seen.add(path.relative_to(system.data_dir).parts[0] if path != system.data_dir else ".")
            if path.lstat().st_mode & 0o077:
                open_.append(f"{oct(stat.S_IMODE(path.lstat().st_mode))} {path}")
    assert not open_
    assert {"valkey", "publishers", "mail", "up.lock", "left-open"} <= seen
    assert any(p.suffix in (".sqlite", ".db") for p in system.data_dir.rglob("*")), sorted(seen)
