"""A consumer's name says which process of which host reads (shared.bus)."""

from __future__ import annotations

import os

from shared import bus


def test_the_process_of_a_name_made_here_is_read_back():
    assert bus.consumer_pid(bus.consumer_name("voting")) == os.getpid()
    assert bus.consumer_pid(bus.consumer_name("eligibility-x")) == os.getpid()  # a dash in the service's name too


def test_another_hosts_name_or_another_kind_of_name_has_no_process_here():
    assert bus.consumer_pid("voting-some-other-host-123-abcdef") is None
    assert bus.consumer_pid("holder") is None
    assert bus.consumer_pid(f"voting-{os.uname().nodename}-notapid-abcdef") is None
