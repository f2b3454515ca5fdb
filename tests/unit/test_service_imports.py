"""A service's start imports nothing heavy: no scipy, datasketch or numpy.

Each service's `app` module is imported in a fresh interpreter, one after the
other; after each import the child reports which of the heavy packages are
in `sys.modules`, so the service that brought one in is named. The same
probe run on datasketch must see scipy come with it, so a probe that sees
nothing because it looks in the wrong place fails.
"""

from __future__ import annotations

import json
import subprocess
import sys

SERVICES = ("submission", "eligibility", "voting", "judging", "notify")
HEAVY = ("scipy", "datasketch", "numpy")
PROBE = """
import importlib, json, sys
seen = {}
for name in sys.argv[1:]:
    importlib.import_module(name)
    seen[name] = [m for m in %r if m in sys.modules]
print(json.dumps(seen))
""" % (HEAVY,)


def heavy_after_importing(*modules: str) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *modules], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_probe_sees_scipy_when_a_module_brings_it():
    assert heavy_after_importing("json", "datasketch") == {"json": [], "datasketch": ["scipy", "datasketch", "numpy"]}


def test_no_service_imports_scipy_datasketch_or_numpy_at_start():
    apps = [f"services.{name}.app" for name in SERVICES]
    assert heavy_after_importing(*apps) == {app: [] for app in apps}
