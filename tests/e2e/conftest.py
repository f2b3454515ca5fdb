"""`wsis up` as a subprocess, driven only through the streams."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.systems import System


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    """One `wsis up --no-ticker` on its own data dir (`tmp_path/data`, embedded Valkey), stopped after the test."""
    running = System(tmp_path, supervisor="wsis up")
    yield running
    running.stop()
