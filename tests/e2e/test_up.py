"""`wsis up` end to end: a plain Redis client publishes, reads, and pulls the plug."""

from __future__ import annotations

import json

import pytest

from tests.support.events import cloudevent
from tests.support.factories import submission
from tests.support.streams import read
from tests.support.waiting import wait_until

IN, OUT, DEAD = "wsis:in:submissions", "wsis:out:submission", "wsis:deadletter"


def answers(client):
    return read(client, OUT)


def test_an_entry_published_with_a_plain_client_is_answered_and_garbage_is_dead_lettered(system):
    client = system.start()
    client.xadd(IN, {"__data__": "this is not json"})
    valid = cloudevent("wsis.submission.submitted", submission("e2e-1"))
    client.xadd(IN, {"__data__": json.dumps(valid)})

    wait_until(lambda: len(answers(client)) == 1, what="the answer")

    (answer,) = answers(client)
    assert answer["type"] == "wsis.submission.received" and answer["causationid"] == valid["id"]
    (_, dead), = client.xrange(DEAD)
    assert json.loads(dead[b"__data__"])["data"]["raw"] == "this is not json"
    assert system.interrupt() == 0


def test_a_second_up_on_the_same_data_dir_finds_its_data_again(system):
    client = system.start()
    first = cloudevent("wsis.submission.submitted", submission("again-1"))
    client.xadd(IN, {"__data__": json.dumps(first)})
    wait_until(lambda: len(answers(client)) == 1, what="the first answer")
    assert system.interrupt() == 0

    client = system.start()
    amended = cloudevent("wsis.submission.submitted", submission("again-1", title="Amended title"), time_="2021-01-11T10:00:00Z")
    client.xadd(IN, {"__data__": json.dumps(amended)})
    wait_until(lambda: len(answers(client)) == 2, what="the amendment's answer")
    assert answers(client)[1]["data"]["revision"] == 2  # the submission table survived too


@pytest.mark.slow
def test_after_sigkill_and_restart_every_entry_is_answered_exactly_once(system):
    client = system.start(batch_size="10")  # small batches: the kill lands mid-stream
    sent = [cloudevent("wsis.submission.submitted", submission(f"k-{i}", entity={**submission()["entity"], "entity_id": f"org-{i}"})) for i in range(1000)]
    pipe = client.pipeline(transaction=False)
    for event in sent:
        pipe.xadd(IN, {"__data__": json.dumps(event)})
    pipe.execute()
    wait_until(lambda: client.xlen(OUT) >= 50, what="the first answers")

    answered = client.xlen(OUT)  # read before the kill: the server dies with `wsis up`
    system.crash()
    assert answered < len(sent), "the kill came after the last answer"
    client = system.start()
    wanted = {e["id"] for e in sent}
    wait_until(lambda: {a["causationid"] for a in answers(client)} >= wanted, timeout=120, what="every answer")

    seen = answers(client)
    assert {a["causationid"] for a in seen} == wanted
    by_cause = {}
    for a in seen:  # a repeat after the crash is the same event: same id, same content
        by_cause.setdefault(a["causationid"], set()).add(json.dumps(a, sort_keys=True))
    assert all(len(variants) == 1 for variants in by_cause.values())
    assert {a["data"]["revision"] for a in seen} == {1}
