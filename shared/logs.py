"""structlog set-up: JSON when not on a terminal, one line per decision.

A last processor masks anything shaped like an email address, and the
password of any URL (`redis://user:***@host`), so a
mistake elsewhere cannot put one into the logs. Each line is written with
one `write` call: processes sharing a log file (`wsis up` and its services)
never splice each other's lines. A process names another service under
`child`, never `name` (a person's name, always redacted).

structlog is imported without rich where nothing has loaded rich yet (a
service's start): `structlog.dev` would otherwise load rich and Pygments
(about 80 modules) for its tracebacks, and a terminal then shows a plain
traceback instead. A process that loaded rich before (`wsis demo`) keeps
rich's.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

_WITHOUT_RICH = "rich" not in sys.modules and "structlog" not in sys.modules
if _WITHOUT_RICH:  # `import rich` fails while this is None, and structlog.dev goes without it
    sys.modules["rich"] = None  # type: ignore[assignment]
try:
    import structlog
    from structlog.typing import EventDict, Processor, WrappedLogger
finally:
    if _WITHOUT_RICH and sys.modules.get("rich", 0) is None:
        del sys.modules["rich"]

from shared.urls import mask_passwords  # noqa: E402

EMAIL = re.compile(r"[^@\s\"'<>]+@[^@\s\"'<>]+\.[A-Za-z]{2,}")
PERSONAL_KEYS = frozenset({"email", "name", "username", "coordinator", "coordinator_name"})


class _CurrentStderr:
    """Writes to whatever `sys.stderr` is now (a test may swap it), not what it was at set-up."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def scrub_personal_data(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    for key, value in list(event_dict.items()):
        if key in PERSONAL_KEYS:
            event_dict[key] = "[redacted]"
        elif isinstance(value, str) and "@" in value:
            event_dict[key] = EMAIL.sub("[email]", mask_passwords(value))
    return event_dict


def _service_adder(service: str) -> Processor:
    def add_service(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return add_service


def configure_logging(service: str, level: str = "INFO", fmt: str = "auto") -> None:
    json_out = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    shared: list[Any] = [
        _service_adder(service),
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        scrub_personal_data,
    ]
    renderer: Any = structlog.processors.JSONRenderer() if json_out else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        # WriteLogger writes the line and its newline in one call, then flushes
        # (PrintLogger's print() made two writes, which other processes split).
        # _CurrentStderr is no TextIO, but it has all WriteLogger calls: write and flush.
        logger_factory=structlog.WriteLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        # not cached: `structlog.testing.capture_logs` must see every logger
        cache_logger_on_first_use=False,
    )
    # Libraries (FastStream, SQLAlchemy) log through the standard library:
    # render them the same way.
    handler = logging.StreamHandler(_CurrentStderr())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[
                structlog.stdlib.add_logger_name,
                _service_adder(service),
                structlog.contextvars.merge_contextvars,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.processors.format_exc_info,  # the traceback as text, not a repr
                scrub_personal_data,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # FastStream gives its logger a handler of its own and stops propagation
    # when imported: route its lines through the renderer and the scrubber too.
    faststream = logging.getLogger("faststream")
    faststream.handlers[:] = []
    faststream.propagate = True
    faststream.setLevel(max(logging.WARNING, logging.getLevelName(level)))


def get_logger(**bound: Any) -> Any:
    """A lazy logger: safe at import time, configured by `configure_logging`."""
    return structlog.get_logger(**bound)
