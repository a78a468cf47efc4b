"""The clock: the one source of the current time, which time-machine moves, in any time zone."""

from __future__ import annotations

import os
import time

import pendulum
import time_machine
from support.clock import real_clock, real_now
from support.engine import run_engine

from desktop.store import clock
from desktop.store.clock import ago_text, cutoff_for_age, to_db_text, utc_now_text
from desktop.ui.formatting import local_time


def seconds_between(a: pendulum.DateTime, b: pendulum.DateTime) -> float:
    return abs((a - b).total_seconds())


def test_the_session_clock_is_where_at_and_tz_put_it(pytestconfig):
    at, zone = pytestconfig.getoption("at"), pytestconfig.getoption("tz")
    now = clock.now()
    assert now.timezone_name == "UTC"
    assert seconds_between(pendulum.now(), now) < 5  # pendulum reads the same clock
    if at:  # it ticks on from there for the session
        start = pendulum.parse(at, tz=pendulum.local_timezone())
        assert start <= now < start.add(hours=1)
    else:
        assert seconds_between(now, real_now()) < 5
    with real_clock():
        assert seconds_between(clock.now(), real_now()) < 5
    if zone:
        assert os.environ["TZ"] == zone and pendulum.local_timezone().name == zone
    # The C library (time.localtime, SQLite's 'localtime') and pendulum agree on local time.
    assert time.localtime(now.timestamp()).tm_gmtoff == now.in_timezone("local").offset


def test_the_engine_writes_the_time_of_the_clock(server_db):
    # A moment far from the real one, frozen: every timestamp the engine writes is that one.
    moment = clock.now().add(days=400).set(hour=23, minute=59, second=59, microsecond=0)
    text = to_db_text(moment)

    async def body(manager):
        job_id = await manager.create_job("mark_feed_read", 1, {"feed_id": 3})
        return await manager.wait_for_job(job_id)

    with time_machine.travel(moment.timestamp(), tick=False):
        assert clock.now() == moment and utc_now_text() == text
        assert ago_text(hours=24) == to_db_text(moment.subtract(days=1))
        assert cutoff_for_age("2w") == to_db_text(moment.subtract(weeks=2))
        job = run_engine(server_db, body)

    assert job.status == "completed"
    assert job.created_at == job.started_at == job.completed_at == text


def test_job_times_show_the_time_alone_on_the_local_day_of_now():
    # The last second of a local day, in whatever zone the session runs (--tz).
    midnight = clock.now().in_timezone("local").add(days=3).start_of("day")
    last_second = midnight.subtract(seconds=1)
    day_start = last_second.start_of("day")

    def shown(now=None):
        return [local_time(to_db_text(moment), now) for moment in (day_start, last_second,
                                                                    midnight)]

    # the next local day: with its date (and its year, when it is in the next one)
    next_day = midnight.format("MMM D HH:mm" if midnight.year == last_second.year
                               else "YYYY-MM-DD HH:mm")
    expected = [day_start.format("HH:mm"), last_second.format("HH:mm"), next_day]
    with time_machine.travel(last_second.timestamp(), tick=False):
        assert shown() == expected
    assert shown(now=last_second) == expected
    assert shown(now=midnight) == [day_start.format("[yesterday] HH:mm"),
                                   last_second.format("[yesterday] HH:mm"),
                                   midnight.format("HH:mm")]
    assert local_time(None) == local_time("") == ""
