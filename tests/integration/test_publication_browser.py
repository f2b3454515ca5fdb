"""The Success Stories page as a browser shows and prints it: headless Chromium, offline."""

from __future__ import annotations

import re
import subprocess

import pytest
import redis as sync_redis
from typer.testing import CliRunner

from tests.integration.test_publications import announce, play_until_nominees_published
from tests.integration.test_report_commands import CHROMIUM, FLAGS
from wsis.cli import cli

runner = CliRunner()


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian package `chromium`)")
async def test_the_success_stories_page_shows_18_winners_and_72_champions_and_prints_a_page_each(redis_url, tmp_path):
    client = sync_redis.Redis.from_url(redis_url)
    play_until_nominees_published(client)
    announce(client)
    target = tmp_path / "success-stories.html"
    outcome = runner.invoke(cli, ["export", "success-stories", "-o", str(target), "--redis-url", redis_url])
    assert outcome.exit_code == 0, outcome.output
    page = target.as_uri()
    browse = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,2000"]
    dom = subprocess.run([*browse, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=True).stdout
    assert dom.count('data-role="winner"') == 18 and dom.count('data-role="champion"') == 72
    assert dom.count('class="category"') == 18 and "<script" not in dom  # the tricky title is text, not a script
    shot = tmp_path / "success-stories.png"
    subprocess.run([*browse, f"--screenshot={shot}", page], capture_output=True, timeout=120, check=True)
    image = shot.read_bytes()
    assert image[:8] == b"\x89PNG\r\n\x1a\n" and len(image) > 20_000  # a title page, not a blank one
    pdf = tmp_path / "success-stories.pdf"
    subprocess.run([*browse, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page], capture_output=True, timeout=180, check=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pages >= 2 + 90  # the title page, the contents, then each of the 90 entries from a page of its own
