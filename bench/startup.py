"""How long each service takes to start: its imports, and `wsis run` until it consumes.

    uv run python -m bench.startup            # --runs 3 --services eligibility notify

For each service, in fresh processes of this interpreter:

1. `import`: `import services.<name>.app` alone (seconds, CPU seconds,
   modules loaded, and which of numpy, scipy, datasketch, rich and Alembic
   came with it);
2. `run`: `python -m wsis.cli run <name>` on an embedded Valkey and a fresh
   data dir, from the process's start to its `service.started` log line
   (consumer groups made, subscribers reading), the CPU seconds the process
   had used by then, and from its SIGTERM to its exit.

The figures depend on bytecode: with `PYTHONDONTWRITEBYTECODE=1` and no
`__pycache__` every start compiles every module again (the Docker image
compiles them once, `UV_COMPILE_BYTECODE=1`). `--pycache DIR` points
`PYTHONPYCACHEPREFIX` at DIR so that compiled modules are kept there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wsis.embedded import EmbeddedValkey

SERVICES = ("submission", "eligibility", "voting", "judging", "notify")
WATCHED = ("numpy", "scipy", "datasketch", "rich", "alembic")
PROBE = """
import sys, time
t, c = time.perf_counter(), time.process_time()
import services.{name}.app
took, cpu = time.perf_counter() - t, time.process_time() - c
print(repr((took, cpu, len(sys.modules), [m for m in {heavy!r} if m in sys.modules])))
"""
TICKS = os.sysconf("SC_CLK_TCK")


def environment(pycache: Path | None, **more: str) -> dict[str, str]:
    env = {**os.environ, **more}
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def import_time(name: str, pycache: Path | None) -> tuple[float, float, int, list[str]]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(name=name, heavy=WATCHED)], env=environment(pycache),
                         capture_output=True, text=True, check=True)  # fmt: skip
    return eval(out.stdout.strip().splitlines()[-1])  # our own probe's repr


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a running process (Linux: /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def run_time(name: str, redis_url: str, data_dir: Path, pycache: Path | None, timeout: float = 300.0) -> tuple[float, float, float]:
    """Seconds to `service.started`, CPU seconds by then, and seconds from SIGTERM to the exit."""
    env = environment(pycache, WSIS_REDIS_URL=redis_url, WSIS_DATA_DIR=str(data_dir), WSIS_LOG_FORMAT="json")
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "wsis.cli", "run", name], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    seen: list[str] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            seen.append(line)
            if line.startswith("{") and json.loads(line).get("event") == "service.started":
                ready, cpu = time.perf_counter() - started, cpu_seconds(process.pid)
                stopping = time.perf_counter()
                process.terminate()
                process.stderr.read()
                process.wait(timeout=30)
                return ready, cpu, time.perf_counter() - stopping
            if time.perf_counter() - started > timeout:
                break
        raise RuntimeError(f"{name} did not start (exit {process.poll()}):\n{''.join(seen[-20:])}")
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def main(services: list[str], runs: int, pycache: Path | None, imports_only: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedValkey(Path(tmp) / "v").start()
        try:
            if pycache is not None:  # one start to fill the cache, not counted
                for name in services:
                    import_time(name, pycache)
            for name in services:
                imports = [import_time(name, pycache) for _ in range(runs)]
                starts = [] if imports_only else [run_time(name, server.url, Path(tmp) / f"{name}-{i}", pycache) for i in range(runs)]
                seconds, cpu = [t for t, _, _, _ in imports], [c for _, c, _, _ in imports]
                started = ""
                if starts:
                    ready, used, stop = ([s[i] for s in starts] for i in range(3))
                    started = (f"; wsis run to service.started {statistics.median(ready):5.2f} s (min {min(ready):.2f}, "
                               f"CPU min {min(used):.2f} s), SIGTERM to exit {statistics.median(stop):.2f} s")  # fmt: skip
                print(f"{name:12} import {statistics.median(seconds):5.2f} s (min {min(seconds):.2f}, CPU min {min(cpu):.2f} s), "
                      f"{imports[0][2]} modules, of numpy, scipy, datasketch, rich, alembic: {', '.join(imports[0][3]) or 'none'}{started}", flush=True)  # fmt: skip
        finally:
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", nargs="+", default=list(SERVICES), choices=SERVICES)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pycache", type=Path, help="keep compiled modules in this directory (PYTHONPYCACHEPREFIX)")
    parser.add_argument("--imports-only", action="store_true", help="measure the imports alone, not `wsis run`")
    args = parser.parse_args()
    main(args.services, args.runs, args.pycache, args.imports_only)
