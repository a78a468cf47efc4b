"""How long a writer nobody has seen waits behind a job, for each pause schedule.

``python -m benchmarks.sqlite.pacing_model``: a model, not a measurement. SQLite's default busy
handler (sqliteDefaultBusyCallback) retries a locked write after sleeping 1, 2, 5, 10, 15, 20, 25,
25, 25, 50, 50 ms, then 100 ms at a time. A job that holds the lock for ``hold`` ms and then leaves
it free for ``free`` ms lets a waiter in at its first retry that falls in a free window. This
tries every starting phase of the waiter and reports the worst and mean wait of each schedule,
and the cheapest schedules whose worst wait stays within a bound (desktop/jobs/pacing.py uses
the result: a 25 ms window after at most ~125 ms held).
"""

from __future__ import annotations

import argparse
import itertools

BUSY_STEPS_MS = (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100)


def retry_offsets(horizon_ms: float = 5000) -> list[float]:
    """When, after its first try, a blocked writer tries again."""
    offsets, t = [0.0], 0.0
    for step in itertools.chain(BUSY_STEPS_MS, itertools.repeat(BUSY_STEPS_MS[-1])):
        t += step
        offsets.append(t)
        if t > horizon_ms:
            return offsets


def worst_and_mean_wait(hold: float, free: float, offsets: list[float], step: float = 0.5):
    period, waits = hold + free, []
    for phase in range(int(period / step)):
        start = phase * step
        wait = next((o for o in offsets if (start + o) % period >= hold), float("inf"))
        waits.append(wait)
    return max(waits), sum(waits) / len(waits)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bound", type=float, default=150, help="worst wait allowed, ms")
    args = parser.parse_args(argv)
    offsets = retry_offsets()
    print("hold ms  free ms  lock free  worst wait ms  mean wait ms")
    for hold, free in ((250, 110), (1000, 110), (2000, 110), (250, 25), (100, 10), (35, 35),
                       (125, 25)):
        worst, mean = worst_and_mean_wait(hold, free, offsets)
        print(f"{hold:7}  {free:7}  {free / (hold + free):8.1%}  {worst:13}  {mean:12.1f}")
    fitting = []
    for hold in range(20, 400, 5):
        for free in range(5, 120, 5):
            worst, mean = worst_and_mean_wait(hold, free, offsets, step=1.0)
            if worst <= args.bound:
                fitting.append((free / (hold + free), hold, free, worst, mean))
    print(f"\ncheapest schedules with a worst wait within {args.bound:g} ms:")
    for cost, hold, free, worst, mean in sorted(fitting)[:5]:
        print(f"  hold {hold} ms, free {free} ms: lock free {cost:.1%}, worst {worst} ms, "
              f"mean {mean:.1f} ms")


if __name__ == "__main__":
    main()
