from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiefen.rules.services import due_date

# 2025 National Day and 2026 Spring Festival, as the State Council published them.
HOLIDAYS = {date(2025, 10, d) for d in range(1, 9)} | {date(2026, 2, d) for d in range(15, 24)}
MAKE_UP = {date(2025, 9, 28), date(2025, 10, 11), date(2026, 2, 14), date(2026, 2, 28)}


class FakeCalendar:
    """The WorkCalendar interface over a few known days."""

    def is_working_day(self, d: date) -> bool:
        if d in MAKE_UP:
            return True
        return d.weekday() < 5 and d not in HOLIDAYS

    def add(self, d: date, n: int) -> date:
        step = 1 if n >= 0 else -1
        while n:
            d += timedelta(days=step)
            if self.is_working_day(d):
                n -= step
        return d


calendar = FakeCalendar()


def test_it_counts_working_days_after_the_start_across_a_holiday():
    # Oct 1–8 off; Oct 9, 10 and the make-up Saturday Oct 11 are working days.
    due = due_date(start=date(2025, 9, 30), days=3, day_kind="working", calendar=calendar)
    assert due == date(2025, 10, 11)


def test_it_counts_calendar_days():
    due = due_date(start=date(2025, 1, 31), days=30, day_kind="calendar", calendar=calendar)
    assert due == date(2025, 3, 2)


def test_it_takes_the_scheduled_meeting():
    due = due_date(
        start=date(2025, 5, 6),
        days=None,
        day_kind="next_meeting",
        calendar=calendar,
        next_meeting=date(2025, 5, 20),
    )
    assert due == date(2025, 5, 20)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2025, 5, 6), date(2025, 5, 30)),  # May 31 is a Saturday
        (date(2025, 5, 30), date(2025, 6, 30)),  # already the last working day: next month
        (date(2025, 5, 31), date(2025, 6, 30)),
        (date(2026, 2, 10), date(2026, 2, 28)),  # a make-up Saturday ends the month
        (date(2025, 12, 31), date(2026, 1, 30)),  # across the year; Jan 31 2026 is a Saturday
    ],
)
def test_it_falls_back_to_the_last_working_day_of_the_month(start, due):
    assert due_date(start=start, days=None, day_kind="next_meeting", calendar=calendar) == due


@pytest.mark.parametrize(
    ("days", "day_kind", "next_meeting"),
    [
        (None, "working", None),
        (0, "calendar", None),
        (-1, "working", None),
        (None, "next_meeting", date(2025, 5, 1)),
        (3, "fortnight", None),
    ],
)
def test_it_refuses_what_no_valid_rule_would_ask(days, day_kind, next_meeting):
    with pytest.raises(ValueError):
        due_date(
            start=date(2025, 5, 6),
            days=days,
            day_kind=day_kind,
            calendar=calendar,
            next_meeting=next_meeting,
        )


@given(
    start=st.dates(min_value=date(2025, 9, 1), max_value=date(2026, 3, 31)),
    days=st.integers(min_value=1, max_value=30),
)
def test_it_lands_on_the_nth_working_day_after_the_start(start, days):
    due = due_date(start=start, days=days, day_kind="working", calendar=calendar)
    assert calendar.is_working_day(due)
    between = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    assert sum(calendar.is_working_day(d) for d in between) == days
