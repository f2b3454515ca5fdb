"""How long each service takes to start: its imports, and `wsis run` until it consumes.

    uv run python -m bench.startup            # --runs 3 --services eligibility notify

For each service, in fresh processes of this interpreter:

1. `import`: `import services.<name>.app` alone (seconds, modules loaded, and
   whether numpy, scipy or datasketch came with it);
2. `run`: `python -m wsis.cli run <name>` on an embedded Valkey and a fresh
   data dir, from the process's start to its `service.started` log line
   (consumer groups made, subscribers reading).

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
HEAVY = ("numpy", "scipy", "datasketch")
PROBE = """
import sys, time
t, c = time.perf_counter(), time.process_time()
import services.{name}.app
took, cpu = time.perf_counter() - t, time.process_time() - c
print(repr((took, cpu, len(sys.modules), [m for m in {heavy!r} if m in sys.modules])))
"""


def environment(pycache: Path | None, **more: str) -> dict[str, str]:
    env = {**os.environ, **more}
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def import_time(name: str, pycache: Path | None) -> tuple[float, float, int, list[str]]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(name=name, heavy=HEAVY)], env=environment(pycache),
                         capture_output=True, text=True, check=True)  # fmt: skip
    return eval(out.stdout.strip().splitlines()[-1])  # our own probe's repr


def run_time(name: str, redis_url: str, data_dir: Path, pycache: Path | None, timeout: float = 300.0) -> float:
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
                return time.perf_counter() - started
            if time.perf_counter() - started > timeout:
                break
        raise RuntimeError(f"{name} did not start (exit {process.poll()}):\n{''.join(seen[-20:])}")
    finally:
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
                started = f"; wsis run to service.started {statistics.median(starts):5.2f} s (min {min(starts):.2f})" if starts else ""
                print(f"{name:12} import {statistics.median(seconds):5.2f} s (min {min(seconds):.2f}, CPU min {min(cpu):.2f} s), "
                      f"{imports[0][2]} modules, heavy: {', '.join(imports[0][3]) or 'none'}{started}")  # fmt: skip
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
