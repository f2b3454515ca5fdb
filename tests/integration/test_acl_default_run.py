"""`wsis up` on the embedded server: each service is its own ACL user, staff keep theirs.

The staff's URL (with this run's password) is in `<data dir>/valkey/url`,
readable by its owner alone; a plain client with it publishes and reads as
the README shows, and `wsis status` works unchanged.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests.support.events import cloudevent
from tests.support.factories import submission
from tests.support.processes import ROOT
from tests.support.streams import put, read
from tests.support.systems import System
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
SERVICES = {"submission", "eligibility", "voting", "judging", "notify"}


def users_connected(client: redis.Redis) -> set[str]:
    return {c["user"] for c in client.client_list()}


def test_services_connect_as_their_own_users_and_staff_use_the_url_file(tmp_path: Path):
    system = System(tmp_path, supervisor="wsis up")
    try:
        client = system.start()
        marker = tmp_path / "data" / "valkey" / "url"
        assert stat.S_IMODE(marker.stat().st_mode) == 0o600
        assert marker.read_text().startswith("redis://default:")

        wait_until(lambda: SERVICES <= users_connected(client), what=lambda: f"every service connected; saw {users_connected(client)}", timeout=120, every=0.2)
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=client.connection_pool.connection_kwargs["port"]).xadd("wsis:in:clock", {"__data__": b"{}"})

        sent = cloudevent("wsis.submission.submitted", submission("acl-1"))
        put(client, "wsis:in:submissions", sent)
        wait_until(lambda: client.xlen("wsis:out:submission"), what="the answer", timeout=120)
        (answer,) = read(client, "wsis:out:submission")
        assert answer["causationid"] == sent["id"]

        status = subprocess.run([sys.executable, "-m", "wsis.cli", "status", "--json"], cwd=ROOT, capture_output=True, text=True,
                                env={"PATH": "/usr/bin:/bin", "WSIS_DATA_DIR": str(tmp_path / "data")}, timeout=60)
        assert status.returncode == 0, status.stderr
        groups = {g["name"] for s in json.loads(status.stdout) for g in s["groups"]}
        assert SERVICES <= groups
        assert not client.execute_command("ACL", "LOG")  # no service was refused anything
    finally:
        system.stop()
