"""Every operator command reads one server, says which, and says so in one line when there is none.

CONTRACT 7: with no `--redis-url` (or `WSIS_REDIS_URL`) and no `wsis up`
running on the data dir, or a server that does not answer, one line and
exit 1: no traceback, no guessed server. A bad option is exit 2.
"""

from __future__ import annotations

from importlib.metadata import version

import pytest
from typer.testing import CliRunner

from wsis.cli import cli
from wsis.target import masked

runner = CliRunner(env={"WSIS_REDIS_URL": None, "WSIS_DATA_DIR": None, "WSIS_SERVICE": None})
COMMANDS = [
    ["status"],
    ["status", "--json"],
    ["deadletter", "list"],
    ["deadletter", "show", "1-0"],
    ["deadletter", "replay", "1-0"],
    ["results"],
    ["results", "--json"],
    ["report"],
    ["export", "stocktaking"],
    ["export", "success-stories", "--format", "md"],
    ["trace", "ws21-1"],
    ["health", "voting"],
]


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_with_no_running_system_on_the_data_dir_a_command_says_so_in_one_line(command, tmp_path):
    result = runner.invoke(cli, [*command, "--data-dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert result.stdout == ""
    line = one_line(result.stderr)
    assert "nothing to read" in line and f"no `wsis up` is running on {tmp_path / 'nowhere'}" in line
    assert "6379" not in line  # no guessed server


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_server_that_does_not_answer_is_one_line_naming_it(command):
    result = runner.invoke(cli, [*command, "--redis-url", "redis://staff:s3cret@127.0.0.1:1"])
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert "redis://staff:***@127.0.0.1:1" in line and "s3cret" not in line


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_bad_url_is_a_configuration_error(command):
    result = runner.invoke(cli, [*command, "--redis-url", "localhost:6379"])
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith("configuration error: redis_url")


@pytest.mark.parametrize("command", [["status", "--json"], ["deadletter", "list", "--json"], ["results", "--json"]], ids=" ".join)
def test_a_command_names_the_server_it_reads_on_stderr_and_keeps_stdout_clean(command, redis_url):
    result = runner.invoke(cli, [*command, "--redis-url", redis_url])
    assert result.exit_code == 0, result.output
    assert one_line(result.stderr) == f"reading {redis_url} (given by --redis-url or WSIS_REDIS_URL)"
    assert result.stdout.lstrip()[0] in "[{"


def test_health_takes_the_service_from_wsis_service(redis_url):
    result = runner.invoke(cli, ["health", "--redis-url", redis_url], env={"WSIS_SERVICE": "judging"})
    assert result.exit_code == 1 and "no live consumer of judging" in result.stderr
    missing = runner.invoke(cli, ["health", "--redis-url", redis_url])
    assert missing.exit_code == 2  # no service named: a usage error


def test_version_comes_from_the_package_metadata():
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"wsis {version('wsis-prizes')}"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://default:pw@127.0.0.1:7000", "redis://default:***@127.0.0.1:7000"),
        ("rediss://:pw@host:6380/0", "rediss://:***@host:6380/0"),
        ("redis://user@host:6379", "redis://user@host:6379"),
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
        ("unix://u:p@/run/valkey.sock", "unix://u:***@/run/valkey.sock"),
    ],
)
def test_a_password_is_masked(url, shown):
    assert masked(url) == shown
