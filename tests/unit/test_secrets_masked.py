"""Secrets never printed: a mistyped URL's error names its variable, never its password; logs mask them too."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shared.logs import configure_logging, get_logger
from shared.urls import mask_passwords, masked
from wsis.cli import cli

SECRET = "s3cret-Pa55word"
MISTYPED = {
    "WSIS_SMTP_URL": [f"smpt://mailer:{SECRET}@mail.example.org:25", f"smtp://mailer:{SECRET}@mail.example.org:2x5"],
    "WSIS_DATABASE_URL": [f"postgress://wsis:{SECRET}@db:5432/wsis", f"postgresql://wsis:{SECRET}@db:54x32/wsis"],
    "WSIS_REDIS_URL": [f"rediss//wsis:{SECRET}@valkey:6379", f"redis://wsis:{SECRET}@valkey:63x79/0"],
}
CASES = [(variable, url) for variable, urls in MISTYPED.items() for url in urls]


@pytest.mark.parametrize(("variable", "url"), CASES)
@pytest.mark.parametrize("command", [["run", "notify"], ["status"], ["up", "--no-ticker"]])
def test_a_mistyped_url_is_an_error_naming_its_variable_and_never_its_password(tmp_path, variable, url, command):
    result = CliRunner().invoke(cli, [*command, "--data-dir", str(tmp_path)], env={variable: url})
    assert result.exit_code == 2
    assert variable in result.stderr
    assert SECRET not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_log_line_masks_the_password_of_any_url(capsys):
    configure_logging("test", "INFO", "json")
    get_logger().error("bus.unreachable", error=f"cannot connect to redis://voting:{SECRET}@10.0.0.5:6379/0: refused")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert SECRET not in line["error"]
    assert "redis://voting:***@10.0.0.5:6379/0" in line["error"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"redis://default:{SECRET}@127.0.0.1:6379", "redis://default:***@127.0.0.1:6379"),
        (f"postgresql+psycopg://wsis:{SECRET}@db/wsis", "postgresql+psycopg://wsis:***@db/wsis"),
        (f"smtps://:{SECRET}@mail:465", "smtps://:***@mail:465"),
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
    ],
)
def test_one_masking_for_a_url_and_for_a_text_holding_one(text, shown):
    assert masked(text) == shown
    assert mask_passwords(f"at {text}: down") == f"at {shown}: down"
