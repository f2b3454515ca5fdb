"""Commands packed by hand are the RESP redis-py itself would send."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from redis.connection import Connection

from shared.bus import pack

REFERENCE = Connection()  # packs only: it never connects


def reference(args: list[bytes]) -> bytes:
    return b"".join(REFERENCE.pack_command(*args))


@given(st.sampled_from([b"XADD", b"EVAL", b"PING"]), st.lists(st.binary(max_size=40), max_size=30))
def test_any_command_is_packed_as_redis_py_packs_it(name, args):
    # (A command's name is one word: redis-py splits a first argument on its spaces.)
    assert pack([name, *args]) == reference([name, *args])


@given(st.lists(st.sampled_from([b"", b"1-0", b"12-3", b"1700000000000-0", b"1700000000000-12"]), min_size=1, max_size=200))
def test_runs_of_ids_of_one_length_are_framed_one_by_one(ids):
    command = [b"XACK", b"wsis:in:ballots", b"voting", *ids]
    assert pack(command) == reference(command)
