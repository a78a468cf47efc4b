"""The tests' times: the real time (subprocesses keep it whatever --at did to this process) and
the known data set's moments, built from the session's clock (see conftest.py)."""

from __future__ import annotations

import functools
import time
from contextlib import contextmanager

import pendulum
import time_machine

from desktop.store import clock
from desktop.store.clock import to_db_text


def real_now() -> pendulum.DateTime:
    """The real time, wherever --at moved this process's clock (an aware UTC DateTime)."""
    if time_machine.escape_hatch.is_travelling():
        seconds = time_machine.escape_hatch.time.time()
    else:
        seconds = time.time()
    return pendulum.from_timestamp(seconds, tz="UTC")


@contextmanager
def real_clock():
    """This process's clock at the real time for the block (ticking; nothing to do without
    --at): for a test whose engine here writes jobs that a subprocess then reads, since a
    subprocess deletes finished jobs by its own, real, clock."""
    if not time_machine.escape_hatch.is_travelling():
        yield
        return
    with time_machine.travel(real_now().timestamp(), tick=True):
        yield


@functools.cache
def base_moment() -> pendulum.DateTime:
    """When the known data set begins: 30 days before the session's start by its clock, to the
    minute. Article n of make_server_database arrived n minutes after it."""
    return clock.now().subtract(days=30).start_of("minute")


def at(**delta) -> str:
    """The database text of ``base_moment()`` plus ``delta``: ``at(minutes=30)`` is when
    article 30 arrived; ``at()`` is when users, categories, feeds and read rows were made."""
    return to_db_text(base_moment().add(**delta))
