"""The working-day calendar against real State Council schedules (2025, 2026) and for all inputs."""

from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiefen.lib.workdays import CalendarRangeError, WorkCalendar

D = date.fromisoformat

CALENDAR = WorkCalendar.from_holidays(2004, 2029, {}, range(2004, 2027))
SMALL = WorkCalendar.from_holidays(2025, 2027, {}, {2025, 2026})
LIBRARY = holidays.China(years=range(2004, 2030))

# (days off, make-up working days) straight from the State Council notices.
SCHEDULES = {
    "春节 2025": (("2025-01-28", "2025-02-04"), ["2025-01-26", "2025-02-08"]),
    "国庆 2025": (("2025-10-01", "2025-10-08"), ["2025-09-28", "2025-10-11"]),
    "春节 2026": (("2026-02-15", "2026-02-23"), ["2026-02-14", "2026-02-28"]),
    "国庆 2026": (("2026-10-01", "2026-10-07"), ["2026-09-20", "2026-10-10"]),
}


def days(first: str, last: str) -> list[date]:
    return [D(first) + timedelta(n) for n in range((D(last) - D(first)).days + 1)]


@pytest.mark.parametrize("festival", SCHEDULES)
def test_it_knows_the_official_days_off_and_make_up_days(festival):
    (first_off, last_off), makeups = SCHEDULES[festival]
    for d in days(first_off, last_off):
        assert not LIBRARY.is_working_day(d), d  # the library agrees with the notice
        assert not CALENDAR.is_working_day(d), d
    for d in map(D, makeups):
        assert d.weekday() >= 5 and LIBRARY.is_working_day(d), d
        assert CALENDAR.is_working_day(d), d
    # the working days just outside the run of days off
    assert CALENDAR.is_working_day(D(first_off) - timedelta(1))
    assert CALENDAR.is_working_day(D(last_off) + timedelta(1))


def test_it_agrees_with_the_library_on_every_day():
    for d in days("2004-01-01", "2029-12-31"):
        assert CALENDAR.is_working_day(d) == LIBRARY.is_working_day(d), d


ADDITIONS = [
    # (start, n, expected, why)
    ("2025-01-24", 3, "2025-02-05", "Friday before Spring Festival: make-up Sunday counts"),
    ("2025-01-25", 1, "2025-01-26", "start on a Saturday: the next day is a make-up Sunday"),
    ("2025-01-27", 1, "2025-02-05", "crossing the whole festival"),
    ("2025-01-20", 7, "2025-02-05", "seven working days to the county across the festival"),
    ("2025-01-29", 3, "2025-02-07", "start on a holiday"),
    ("2025-01-29", 4, "2025-02-08", "deadline on the make-up Saturday"),
    ("2025-02-01", 1, "2025-02-05", "start on a weekend inside the festival"),
    ("2025-01-30", 0, "2025-01-30", "N = 0 is the start itself, even on a holiday"),
    ("2025-09-26", 1, "2025-09-28", "National Day 2025: make-up Sunday"),
    ("2025-09-26", 2, "2025-09-29", ""),
    ("2025-09-30", 1, "2025-10-09", "crossing National Day and Mid-Autumn"),
    ("2025-09-30", 3, "2025-10-11", "deadline on the make-up Saturday"),
    ("2025-10-01", 3, "2025-10-11", "start on National Day"),
    ("2026-02-13", 1, "2026-02-14", "Spring Festival 2026: make-up Saturday"),
    ("2026-02-13", 2, "2026-02-24", "crossing the nine days off"),
    ("2026-02-14", 1, "2026-02-24", "start on a make-up Saturday"),
    ("2026-02-24", 4, "2026-02-28", "deadline on the make-up Saturday"),
    ("2026-02-16", 7, "2026-03-03", "start on New Year's Eve"),
    ("2026-09-18", 1, "2026-09-20", "National Day 2026: make-up Sunday"),
    ("2026-09-24", 7, "2026-10-12", "Mid-Autumn, then National Day, then make-up Saturday"),
    ("2026-09-30", 1, "2026-10-08", ""),
    ("2026-09-30", 3, "2026-10-10", "deadline on the make-up Saturday"),
    ("2025-02-05", -1, "2025-01-27", "backwards across the festival"),
    ("2025-02-08", -4, "2025-01-27", "backwards from a make-up Saturday"),
    ("2025-01-24", -3, "2025-01-21", ""),
]


@pytest.mark.parametrize(("start", "n", "expected", "why"), ADDITIONS)
def test_it_adds_working_days_not_counting_the_start(start, n, expected, why):
    assert CALENDAR.add(D(start), n) == D(expected), why


def test_it_counts_working_days_in_a_half_open_interval():
    assert CALENDAR.between(D("2025-01-24"), D("2025-02-05")) == 3
    assert CALENDAR.between(D("2025-02-05"), D("2025-01-24")) == -3
    assert CALENDAR.between(D("2025-01-27"), D("2025-02-04")) == 0
    assert CALENDAR.between(D("2025-09-30"), D("2025-10-11")) == 3
    assert CALENDAR.between(D("2025-06-06"), D("2025-06-06")) == 0
    assert (
        CALENDAR.between(D("2024-12-31"), D("2025-12-31")) == 248
    )  # 261 weekdays, 18 off, 5 made up


def test_it_lets_overrides_win_over_the_library():
    calendar = WorkCalendar.from_holidays(
        2025,
        2026,
        {D("2025-01-27"): False, D("2025-02-08"): False, D("2025-03-01"): True},
        {2025, 2026},
        override_names={D("2025-01-27"): "某市通知"},
    )
    assert calendar.add(D("2025-01-24"), 3) == D("2025-02-06")
    assert calendar.add(D("2025-02-07"), 1) == D("2025-02-10")
    assert calendar.add(D("2025-02-28"), 1) == D("2025-03-01")
    assert calendar.name(D("2025-01-27")) == "某市通知"
    marked = {d.date: d for d in calendar.deviations(2025) if d.overridden}
    assert set(marked) == {D("2025-01-27"), D("2025-03-01")}  # 02-08 is just a Saturday now
    assert not marked[D("2025-01-27")].working


def test_it_names_holidays_and_make_up_days():
    assert CALENDAR.name(D("2025-01-29")) == "春节"
    assert CALENDAR.name(D("2025-01-26")) == "春节"
    assert CALENDAR.name(D("2026-09-20")) == "国庆节"  # paired with 10-06, not Mid-Autumn
    assert CALENDAR.name(D("2025-06-05")) is None
    made_up = [d.date for d in CALENDAR.deviations(2025) if d.working]
    assert made_up == list(map(D, ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28",
                                    "2025-10-11"]))  # fmt: skip


def test_it_marks_unconfirmed_years_provisional():
    assert not SMALL.is_provisional(2026)
    assert not SMALL.is_provisional(D("2025-10-01"))
    assert SMALL.is_provisional(2027)
    assert SMALL.is_provisional(D("2027-02-08"))
    # The library's 2027 is a rule-based guess: days off, but no make-up working day yet.
    assert not [d for d in SMALL.deviations(2027) if d.working]


def test_it_refuses_dates_outside_its_years():
    assert SMALL.first == D("2025-01-01") and SMALL.last == D("2027-12-31")
    with pytest.raises(CalendarRangeError, match="2024-12-31"):
        SMALL.is_working_day(D("2024-12-31"))
    with pytest.raises(CalendarRangeError):
        SMALL.add(D("2028-01-03"), 0)
    with pytest.raises(CalendarRangeError) as caught:
        SMALL.add(D("2027-12-28"), 5)
    assert caught.value.n == 5 and isinstance(caught.value, ValueError)
    with pytest.raises(CalendarRangeError):
        SMALL.add(D("2025-01-03"), -3)
    with pytest.raises(CalendarRangeError):
        SMALL.between(D("2025-06-01"), D("2028-06-01"))
    with pytest.raises(CalendarRangeError):
        SMALL.deviations(2030)
    assert SMALL.add(D("2027-12-28"), 3) == D("2027-12-31")


def test_it_refuses_datetimes_which_hide_a_time_zone():
    with pytest.raises(TypeError):
        SMALL.add(datetime(2025, 1, 24, 20, 0), 1)  # noqa: DTZ001
    with pytest.raises(TypeError):
        SMALL.add(D("2025-01-24"), 1.5)


def test_it_builds_from_a_set_or_a_predicate():
    """A hand-made week, FixMyStreet style: Wednesday off, Saturday worked."""
    first, last = D("2025-03-03"), D("2025-03-16")
    working = {d for d in days("2025-03-03", "2025-03-16") if d.weekday() < 5}
    working = (working - {D("2025-03-05")}) | {D("2025-03-08")}
    by_set = WorkCalendar(first, last, working)
    by_predicate = WorkCalendar(first, last, working.__contains__)
    for calendar in (by_set, by_predicate):
        assert calendar.add(D("2025-03-04"), 1) == D("2025-03-06")
        assert calendar.add(D("2025-03-07"), 1) == D("2025-03-08")
        assert calendar.between(first, last) == 9
        assert calendar.is_provisional(2025)


DATES = st.dates(min_value=CALENDAR.first, max_value=CALENDAR.last)
N = st.integers(min_value=0, max_value=400)


@given(DATES, N)
def test_it_counts_back_what_it_added(d, n):
    try:
        end = CALENDAR.add(d, n)
    except CalendarRangeError:
        assert CALENDAR.between(d, CALENDAR.last) < n
        return
    assert CALENDAR.between(d, end) == n
    if n > 0:
        assert end > d
        assert CALENDAR.is_working_day(end)
        assert CALENDAR.between(d, end - timedelta(1)) == n - 1  # the first such day


@given(DATES, DATES, N, N)
def test_it_adds_monotonically(a, b, m, n):
    a, b = sorted((a, b))
    m, n = sorted((m, n))
    try:
        assert CALENDAR.add(a, n) <= CALENDAR.add(b, n)
        assert CALENDAR.add(a, m) <= CALENDAR.add(a, n)
    except CalendarRangeError:
        pass


@given(DATES, N)
def test_it_goes_backwards_symmetrically(d, n):
    if not CALENDAR.is_working_day(d):
        d = CALENDAR.add(d, 1) if d < CALENDAR.last - timedelta(30) else CALENDAR.add(d, -1)
    try:
        start = CALENDAR.add(d, -n)
    except CalendarRangeError:
        assert CALENDAR.between(CALENDAR.first, d) < n + 1
        return
    assert CALENDAR.between(start, d) == n
    assert CALENDAR.add(start, n) == d


@given(DATES, st.integers(min_value=-800, max_value=800))
def test_it_counts_like_a_day_by_day_loop(a, span):
    b = min(max(a + timedelta(span), CALENDAR.first), CALENDAR.last)
    low, high = sorted((a, b))
    slow = sum(CALENDAR.is_working_day(low + timedelta(k)) for k in range(1, (high - low).days + 1))
    assert CALENDAR.between(a, b) == (slow if a <= b else -slow)
