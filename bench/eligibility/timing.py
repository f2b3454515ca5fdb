"""Time spent in the duplicate search, per entry, measured inside the running service."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.eligibility import screener, store

# (owner, attribute, bucket): the duplicate search's three parts.
PARTS = [
    (screener.Screener, "_neighbours", "lookup"),
    (screener.Screener, "_most_similar", "check"),
    (screener.Screener, "keys_of", "upkeep"),
    (store, "replace_bands", "upkeep"),
]


@dataclass
class Timer:
    per_entry: list[dict[str, float]] = field(default_factory=list)
    candidates: int = 0
    originals: list[tuple[Any, str, Callable[..., Any]]] = field(default_factory=list)

    @classmethod
    def install(cls) -> Timer:
        timer = cls()
        receive = screener.Screener.receive

        def timed_receive(self: Any, session: Any, entry: Any) -> Any:
            timer.per_entry.append({"lookup": 0.0, "check": 0.0, "upkeep": 0.0})
            return receive(self, session, entry)

        timer._patch(screener.Screener, "receive", timed_receive)
        for owner, name, bucket in PARTS:
            timer._patch(owner, name, timer._timed(getattr(owner, name), bucket))
        return timer

    def _patch(self, owner: Any, name: str, replacement: Callable[..., Any]) -> None:
        self.originals.append((owner, name, getattr(owner, name)))
        setattr(owner, name, replacement)

    def _timed(self, function: Callable[..., Any], bucket: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                if self.per_entry:
                    self.per_entry[-1][bucket] += time.perf_counter() - started
                if bucket == "check" and len(args) > 2:
                    self.candidates += len(args[2])

        return timed

    def uninstall(self) -> None:
        for owner, name, original in reversed(self.originals):
            setattr(owner, name, original)

    def summary(self, last: int) -> dict[str, Any]:
        entries = self.per_entry
        totals = [sum(e.values()) for e in entries]

        def us(values: list[float]) -> float:
            return round(sum(values) / max(1, len(values)) * 1e6, 1)

        return {
            "mean_us": us(totals),
            "last": last,
            "last_mean_us": us(totals[-last:]),
            "lookup_us": us([e["lookup"] for e in entries]),
            "check_us": us([e["check"] for e in entries]),
            "upkeep_us": us([e["upkeep"] for e in entries]),
            "candidates": round(self.candidates / max(1, len(entries)), 2),
        }
