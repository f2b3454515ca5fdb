"""The integrity signals as the HTML report shows them: the evidence, the voters counted (their ids stay with `wsis integrity`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from report.integrity.signals import Finding
from report.integrity.view import as_data


def summary(findings: list[Finding]) -> list[dict[str, Any]]:
    rows = []
    for finding in findings:
        row = as_data(finding)
        row["voters"] = len(row.pop("voter_ids"))
        rows.append(row)
    return rows


def attach(view: dict[str, Any], redis_url: str | None, data_dir: Path | None) -> None:
    """Add `integrity` to the report's view; left out when the members' stream cannot be read (a reader without access)."""
    import redis

    from report.integrity.cli import findings_of
    from wsis.target import ConfigError, NoSystem, locate, settings_for

    try:
        target = locate(settings_for(redis_url, data_dir))
        view["integrity"] = summary(findings_of(target.url, target.settings.contest_file, None))
    except (ConfigError, NoSystem, OSError, ConnectionError, RuntimeError, redis.RedisError):
        return
