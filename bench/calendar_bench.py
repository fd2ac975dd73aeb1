"""Speed of the working-day calendar: build time, and add() / between() calls per second.

Uses the pure object only (no Django, no database):  .venv/bin/python bench/calendar_bench.py
"""

import random
import time
from datetime import date, timedelta

from jiefen.lib.workdays import WorkCalendar

FIRST_YEAR, LAST_YEAR, CALLS = 2004, 2029, 200_000


def timed(fn, args) -> float:
    start = time.perf_counter()
    for a, b in args:
        fn(a, b)
    return len(args) / (time.perf_counter() - start)


def main() -> None:
    start = time.perf_counter()
    calendar = WorkCalendar.from_holidays(FIRST_YEAR, LAST_YEAR, {}, range(2004, 2027))
    cold = time.perf_counter() - start
    start = time.perf_counter()
    WorkCalendar.from_holidays(FIRST_YEAR, LAST_YEAR, {date(2025, 1, 27): False}, range(2004, 2027))
    warm = time.perf_counter() - start

    rng = random.Random(1)
    span = (date(LAST_YEAR, 10, 1) - calendar.first).days  # leave room for N = 60
    starts = [calendar.first + timedelta(rng.randrange(span)) for _ in range(CALLS)]
    adds = [(d, rng.randrange(61)) for d in starts]
    pairs = [(d, d + timedelta(rng.randrange(90))) for d in starts]

    rows = [
        ("build, first (python-holidays + index)", f"{cold * 1000:.1f} ms"),
        ("build, again (overrides changed)", f"{warm * 1000:.1f} ms"),
        ("add(d, n), n in 0..60", f"{timed(calendar.add, adds):,.0f} calls/s"),
        ("between(a, b), b - a in 0..89 days", f"{timed(calendar.between, pairs):,.0f} calls/s"),
    ]
    print(f"WorkCalendar {calendar.first}..{calendar.last}, {CALLS:,} random calls each")
    for what, figure in rows:
        print(f"  {what:<40} {figure:>18}")


if __name__ == "__main__":
    main()
