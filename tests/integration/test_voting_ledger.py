"""The voting ledger's group commit and its inserts, on both databases."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from services.voting import store
from services.voting.adapters.ledger import Ledger
from shared.db import create_tables, make_engine


@pytest.fixture
def ledger(tmp_path: Path, database_url: str | None):
    engine = make_engine("voting", tmp_path / "data", database_url)
    create_tables(engine, store.TABLES)
    ledger = Ledger(engine)
    yield ledger
    ledger.close()
    engine.dispose()


def vote(n: int, voter: str | None = None) -> store.Answer:
    """A counted answer: its vote goes in `voting_vote`."""
    return store.Answer(bytes([n]) * 16, f"b-{n}", voter or f"v-{n}", 1, "p-1", None, n)


def count_votes(cur, _=None) -> int:
    cur.execute("SELECT COUNT(*) FROM voting_vote")
    return cur.fetchone()[0]


async def test_steps_queued_together_commit_together_or_not_at_all(ledger):
    def add(cur, n):
        return ledger.add_votes(cur, [vote(n)])

    def fails(cur, n):
        add(cur, n)
        raise RuntimeError("the disk is full")

    gate = threading.Event()
    busy = ledger.group(lambda cur, _: gate.wait(10), None)  # holds the ledger while the next ones queue
    queued = [ledger.group(add, 1), ledger.group(fails, 2), ledger.group(add, 3)]
    gate.set()
    await busy

    results = await asyncio.gather(*queued, return_exceptions=True)

    assert [type(r) for r in results] == [RuntimeError] * 3
    assert await ledger.group(count_votes, None) == 0  # nothing of the failed group stayed
    assert await ledger.group(add, 4) == {vote(4).key}


async def test_an_insert_that_meets_taken_keys_reports_only_the_rows_that_went_in(ledger):
    first = [vote(n) for n in range(1, 6)]
    assert await ledger.group(lambda cur, rows: ledger.add_votes(cur, rows), first) == {row.key for row in first}

    # Voters 2 and 4 vote again in the category, mixed with new voters.
    again = [vote(10 + n, voter=f"v-{n}") if n in (2, 4) else vote(10 + n) for n in range(1, 7)]
    won = await ledger.group(lambda cur, rows: ledger.add_votes(cur, rows), again)

    assert won == {row.key for row in again if row.voter_id not in ("v-2", "v-4")}
    assert await ledger.group(count_votes, None) == 5 + 4


async def test_taken_votes_are_found_whatever_the_voter_id_holds(ledger, database_url):
    """The look-up of taken (voter, category) pairs with ids an array literal (PostgreSQL: one array a column)
    or JSON (SQLite: the pairs found come back as one document) would need to quote."""
    voters = ['v,1', 'v{2}', 'v"3"', "v\\4", "NULL", "é😀 5", " 6 ", "[9]", "10\n", '["11", 1]']
    voters += ["nul\x00inside"] if database_url is None else []  # PostgreSQL's text holds no NUL at all
    first = [vote(n, voter=v) for n, v in enumerate(voters, 1)]
    assert await ledger.group(lambda cur, rows: ledger.add_votes(cur, rows), first) == {row.key for row in first}

    again = [vote(20 + n, voter=v) for n, v in enumerate(voters, 1)] + [vote(40, voter="v,1 ")]
    assert await ledger.group(lambda cur, rows: ledger.add_votes(cur, rows), again) == {vote(40).key}


async def test_outcomes_seen_before_are_told_apart_from_new_ones(ledger):
    def outcome(n: int) -> store.Answer:
        return store.Answer(bytes([n]) * 16, f"b-{n}", f"v-{n}", 1, "p-1", None, n)

    assert await ledger.group(lambda cur, rows: ledger.add_answers(cur, rows), [outcome(1), outcome(2)]) == {outcome(1).key, outcome(2).key}
    new = await ledger.group(lambda cur, rows: ledger.add_answers(cur, rows), [outcome(2), outcome(3), outcome(1)])
    assert new == {outcome(3).key}


async def test_an_insert_undone_for_a_taken_key_keeps_what_the_transaction_did_before_it(ledger):
    """On SQLite the failed statement alone is undone (no savepoint); on PostgreSQL its savepoint."""
    def step(cur, _):
        first = ledger.add_answers(cur, [vote(1)])
        votes = ledger.add_votes(cur, [vote(1)])
        second = ledger.add_answers(cur, [vote(2), vote(1), vote(3)])  # fails whole, then goes in without 1
        cur.execute("SELECT COUNT(*) FROM voting_ballot")
        return first, votes, second, cur.fetchone()[0]

    assert await ledger.group(step, None) == ({vote(1).key}, {vote(1).key}, {vote(2).key, vote(3).key}, 3)
    assert await ledger.group(count_votes, None) == 1


async def test_keys_taken_between_the_look_up_and_the_insert_are_still_told_apart(ledger, monkeypatch):
    """Another replica commits a key after this one looked: the insert says itself which rows went in."""
    first = [vote(n) for n in range(1, 4)]
    await ledger.group(lambda cur, rows: ledger.add_votes(cur, rows), first)
    monkeypatch.setattr(ledger, "_taken", lambda *args: set())  # the look-up saw none of them

    again = [vote(10 + n, voter=f"v-{n}") for n in (1, 2)] + [vote(20)]
    assert await ledger.group(lambda cur, rows: ledger.add_votes(cur, rows), again) == {vote(20).key}
    assert await ledger.group(count_votes, None) == 4


async def test_a_row_breaking_another_constraint_fails_its_batch(ledger):
    """Only a taken key is read as a seen ballot; a row the table refuses otherwise fails the group."""
    broken = store.Answer(b"\x01" * 16, None, "v-1", 1, "p-1", None, 1)  # type: ignore[arg-type]  # a ballot id is required

    with pytest.raises(Exception, match="(?i)null"):
        await ledger.group(lambda cur, rows: ledger.add_answers(cur, rows), [broken])
    assert await ledger.group(lambda cur, rows: ledger.add_answers(cur, rows), [broken._replace(ballot_id="b-1")]) == {broken.key}


async def test_other_work_of_the_ledger_thread_gets_its_turn_between_groups(ledger):
    order: list[str] = []
    gate = threading.Event()
    busy = ledger.group(lambda cur, _: gate.wait(10), None)
    first = ledger.group(lambda cur, name: order.append(name), "ballots-1")
    other = asyncio.ensure_future(ledger.run(order.append, "members"))
    await asyncio.sleep(0.05)  # the member step is in the thread's queue before the next ballots
    second = ledger.group(lambda cur, name: order.append(name), "ballots-2")
    gate.set()

    await asyncio.gather(busy, first, other, second)

    assert order == ["members", "ballots-1", "ballots-2"]


@pytest.mark.parametrize("way", ["json", "value by value"])
async def test_rows_come_back_exactly_as_they_went_in(ledger, database_url, way):
    """The rows go to the database as one JSON document; what JSON cannot carry exactly goes value by value."""
    texts = ["é😀 \"quoted\" \\ backslash", "tab\tand\nnewline", "\x7f\u2028"]
    if way != "json":
        # SQLite's JSON functions would cut a text at a NUL (PostgreSQL's text holds none at all);
        # a backslash before u0000 is taken for one too.
        texts += ["back\\u0000slash"] + (["nul\x00inside"] if database_url is None else [])
    rows = [
        store.Answer(bytes([n + 1]) * 16, text, f"v-{n}", 2**31 - 1, "p-1", "not_nominated" if n % 2 else None, 2**62 + n)
        for n, text in enumerate(texts)
    ]
    rows.append(store.Answer(b"\xff" * 16, "invalid", None, None, None, "invalid_ballot", -1))
    assert ledger._rows(store.Answer._fields, rows)[0].startswith("SELECT" if way == "json" else "VALUES")

    assert await ledger.group(lambda cur, batch: ledger.add_answers(cur, batch), rows) == {row.key for row in rows}

    found = await ledger.group(lambda cur, keys: ledger.answered(cur, keys), [row.key for row in rows])
    assert [found[row.key] for row in rows] == rows


@pytest.mark.parametrize("way", ["json", "value by value"])
async def test_rows_made_ready_before_the_transaction_skip_the_taken_ones_either_way(ledger, way):
    """Chunks are made on another thread before their transaction (`Ledger.answer_chunks`); a taken
    key found then is left out of the same text, whichever way the rows go to the database."""
    text = "back\\u0000slash" if way != "json" else "plain"
    rows = [store.Answer(bytes([n]) * 16, f"b-{n}-{text}", f"v-{n}", 1, "p-1", None, n) for n in range(1, 7)]
    chunks = ledger.answer_chunks(rows[::2])
    assert (chunks[0].packed[0] is None) == (way != "json")
    assert await ledger.group(lambda cur, ready: ledger.insert(cur, ready), chunks) == {row.key for row in rows[::2]}

    again = ledger.answer_chunks(rows)  # 1, 3 and 5 taken
    assert await ledger.group(lambda cur, ready: ledger.insert(cur, ready), again) == {row.key for row in rows[1::2]}
    found = await ledger.group(lambda cur, keys: ledger.answered(cur, keys), [row.key for row in rows])
    assert [found[row.key] for row in rows] == rows

    votes = ledger.vote_chunks([vote(1), vote(2, voter="v-1"), vote(3)])  # 1 and 2: one voter, one category
    assert await ledger.group(lambda cur, ready: ledger.insert(cur, ready), votes) == {vote(1).key, vote(3).key}


async def test_a_member_twice_in_one_batch_keeps_the_newest_profile(ledger):
    older = store.Profile("u-1", "org-1", False, store.position("5-0"), "org-1")
    newer = store.Profile("u-1", "org-2", True, store.position("7-0"), "org-2")
    other = store.Profile("u-2", None, True, store.position("6-0"), None)

    def add(cur, rows):
        ledger.add_members(cur, rows)
        return sorted(ledger.members(cur))

    assert await ledger.group(add, [newer, other, older]) == [("u-1", "org-2", True, "org-2"), ("u-2", None, True, None)]
    # A later batch with an older entry changes nothing.
    assert await ledger.group(add, [older]) == [("u-1", "org-2", True, "org-2"), ("u-2", None, True, None)]
