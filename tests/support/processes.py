"""Services as subprocesses, the way replicas run: `wsis run NAME`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def clean_environment() -> dict[str, str]:
    """This process's environment without any `WSIS_` setting: a child gets only what a test gives it."""
    return {k: v for k, v in os.environ.items() if not k.startswith("WSIS_")}


def start_replica(
    service: str, redis_url: str, data_dir: Path, database_url: str | None, log: Path, *, batch_size: int
) -> subprocess.Popen[bytes]:
    """One more `wsis run SERVICE` in the service's group; its stderr (JSON logs) goes to `log`."""
    env = {**os.environ, "WSIS_REPLAY": "true", "WSIS_LOG_FORMAT": "json", "WSIS_BATCH_SIZE": str(batch_size),
           "WSIS_BALLOT_BATCH_SIZE": str(batch_size), "WSIS_BLOCK_MS": "20"}
    env.pop("WSIS_DATABASE_URL", None)
    if database_url:
        env["WSIS_DATABASE_URL"] = database_url
    cmd = [sys.executable, "-m", "wsis.cli", "run", service, "--redis-url", redis_url, "--data-dir", str(data_dir)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"), cwd=ROOT)
