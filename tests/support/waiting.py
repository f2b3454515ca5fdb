"""Polling until something holds, with a message that says what never came.

A system under test answers when it answers: the tests poll rather than
sleep a fixed time. `what` may be a callable, asked only at the timeout,
so the message can show what was seen last.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
Description = str | Callable[[], str]


def wait_until(check: Callable[[], T], *, what: Description, timeout: float = 60.0, every: float = 0.1) -> T:
    """Call `check` until it returns something true, and return that."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(timed_out(what, timeout))
        time.sleep(every)


async def wait_until_async(check: Callable[[], Awaitable[T] | T], *, what: Description, timeout: float = 15.0, every: float = 0.05) -> T:
    """`wait_until` for a test's event loop; `check` may be a coroutine function or a plain one."""
    deadline = time.monotonic() + timeout
    while True:
        found: Any = check()
        if inspect.isawaitable(found):
            found = await found
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(timed_out(what, timeout))
        await asyncio.sleep(every)


def timed_out(what: Description, timeout: float) -> str:
    return f"timed out after {timeout:g}s waiting for {what() if callable(what) else what}"
