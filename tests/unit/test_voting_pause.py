"""The ballot desk's pause while a report is made: nothing stored and unpublished, nothing new until it is published."""

from __future__ import annotations

import asyncio

from services.voting.pause import Pause


async def test_a_pause_waits_for_every_batch_entered_to_be_published():
    pause = Pause()
    await pause.enter()
    await pause.enter()
    paused = asyncio.create_task(pause.pause())

    await asyncio.sleep(0.01)
    assert not paused.done()
    pause.left()
    await asyncio.sleep(0.01)
    assert not paused.done()
    pause.left()

    assert await paused is True


async def test_no_batch_enters_while_paused_and_each_goes_on_once_resumed():
    pause = Pause()
    assert await pause.pause() is True
    entering = asyncio.create_task(pause.enter())

    await asyncio.sleep(0.01)
    assert not entering.done()
    pause.resume()
    await entering
    assert not pause.paused


async def test_a_pause_never_stops_the_ballots_for_longer_than_its_limit():
    pause = Pause(limit_s=0.05)
    await pause.enter()
    assert await pause.pause() is False  # a batch never published (its publish failed)

    await asyncio.wait_for(pause.enter(), 1)
    assert not pause.paused


async def test_once_the_reports_snapshot_is_taken_batches_go_on_and_only_a_late_one_waits_for_the_report():
    pause = Pause()
    assert await pause.pause() is True
    pause.hold(cut=100)

    await asyncio.wait_for(pause.enter(lambda cut: 250 < cut), 1)  # after the cut-off: stored at once
    late = asyncio.create_task(pause.enter(lambda cut: 99 < cut))
    await asyncio.sleep(0.01)
    assert not late.done()

    pause.resume()  # the report is published
    await asyncio.wait_for(late, 1)
    await asyncio.wait_for(pause.enter(lambda cut: True), 1)


async def test_a_late_batch_never_waits_for_a_report_longer_than_the_pause_limit():
    pause = Pause(limit_s=0.05)
    assert await pause.pause() is True
    pause.hold(cut=100)

    await asyncio.wait_for(pause.enter(lambda cut: True), 1)
    assert pause.cut is None
