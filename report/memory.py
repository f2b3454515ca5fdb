"""The garbage collector run seldom while a million objects pile up, none of them garbage (a whole stream read, votes grouped)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def seldom_collected() -> Iterator[None]:
    """Collect only after 100,000 new objects (not 700) meanwhile; the thresholds as they were afterwards."""
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
