"""`uv run python -m bench.notify`: the notify benchmarks of `bench/notify/run.py`."""

import runpy

runpy.run_module("bench.notify.run", run_name="__main__")
