"""One service in the test's own event loop, against the test's server and database.

Integration tests run a service by its name, as `wsis run NAME` would: the
one place that knows where a service's `build` lives, so a module moved
inside a service changes this file only.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from shared.settings import Settings


def build(service: str, settings: Settings, *extra: Any) -> Any:
    """The service as its app module builds it (`extra`: what that build takes after the settings)."""
    return importlib.import_module(f"services.{service}.app").build(settings, *extra)


@asynccontextmanager
async def running(service: str, settings: Settings, *extra: Any) -> AsyncIterator[Any]:
    """The service started (consumer groups created, reading) for the block; stopped after it."""
    built = build(service, settings, *extra)
    async with built.app:
        yield built
