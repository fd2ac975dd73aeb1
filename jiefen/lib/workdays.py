"""The working-day calendar: which days are working days in mainland China, and day arithmetic.

A pure object (no Django, no database). It is built once from a predicate or a set of working
days and answers every question from two precomputed tables, so each call is O(1):

- ``_count[i]``: how many working days there are from ``first`` up to and including day ``i``;
- ``_ords``: the ordinals of all working days, in order.

Deadlines count the way Chinese law counts periods (期间开始之日不计算在内): the start day is
never counted, so ``add(d, 3)`` is the third working day after ``d``, whatever ``d`` is.

A year whose official schedule (国务院办公厅关于部分节假日安排的通知) has not been confirmed
is *provisional*: python-holidays guesses it from rules, without make-up working days (调休).

Messages here are plain Chinese for logs; the Django layer translates for display from the
exception's attributes.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Set
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

__all__ = ["CalendarRangeError", "Deviation", "WorkCalendar"]


class CalendarRangeError(ValueError):
    """A date, or the result of an addition, falls outside the calendar's years."""

    def __init__(self, value: date, first: date, last: date, n: int | None = None) -> None:
        self.value, self.first, self.last, self.n = value, first, last, n
        if n is None:
            message = f"{value} 超出工作日历范围（{first} 至 {last}）"
        else:
            message = f"{value} 起第 {n} 个工作日超出工作日历范围（{first} 至 {last}）"
        super().__init__(message)


class Deviation(NamedTuple):
    """A day that breaks the Monday–Friday rule: a weekday off or a weekend day worked."""

    date: date
    working: bool
    #: the holiday's name; for a make-up working day, the festival it serves; may be None
    name: str | None
    #: set by an administrator's override rather than the official schedule
    overridden: bool


class WorkCalendar:
    """Working days between ``first`` and ``last`` inclusive, with O(1) arithmetic."""

    __slots__ = (
        "_confirmed",
        "_count",
        "_first",
        "_first_ord",
        "_last",
        "_names",
        "_ords",
        "_overridden",
        "_size",
        "_working",
    )

    def __init__(
        self,
        first: date,
        last: date,
        is_working: Callable[[date], bool] | Set[date],
        confirmed_years: Iterable[int] = frozenset(),
        *,
        names: Mapping[date, str] | None = None,
        overridden: Iterable[date] = frozenset(),
    ) -> None:
        """``is_working`` is a predicate, or the set of working days (anything else is off)."""
        first, last = _plain_date(first), _plain_date(last)
        if last < first:
            raise ValueError(f"工作日历的结束日 {last} 早于开始日 {first}")
        test = is_working.__contains__ if isinstance(is_working, Set) else is_working
        self._first, self._last = first, last
        self._first_ord = first.toordinal()
        self._size = last.toordinal() - self._first_ord + 1
        working: list[bool] = []
        count: list[int] = []
        ords: list[int] = []
        total = 0
        for i in range(self._size):
            ordinal = self._first_ord + i
            flag = bool(test(date.fromordinal(ordinal)))
            if flag:
                total += 1
                ords.append(ordinal)
            working.append(flag)
            count.append(total)
        self._working = working
        self._count = count
        self._ords = ords
        self._confirmed = frozenset(confirmed_years)
        self._names = dict(names or {})
        self._overridden = frozenset(overridden)

    # -- construction from python-holidays ------------------------------------------------

    @classmethod
    def from_holidays(
        cls,
        first_year: int,
        last_year: int,
        overrides: Mapping[date, bool] | None = None,
        confirmed_years: Iterable[int] = frozenset(),
        *,
        override_names: Mapping[date, str] | None = None,
        language: str = "zh_CN",
        schedule: tuple[dict[date, str], dict[date, str]] | None = None,
    ) -> WorkCalendar:
        """The official schedule from ``holidays.China``, corrected by ``overrides``.

        ``overrides`` maps a date to True (working) or False (day off) and wins over the
        library. Overrides outside the years are ignored, so shrinking the range never breaks.
        ``schedule``: what ``china_schedule`` answered for these years, kept by the caller.
        """
        first, last = date(first_year, 1, 1), date(last_year, 12, 31)
        holiday_names, makeup_names = schedule or _china_schedule(first_year, last_year, language)
        overrides = {d: w for d, w in (overrides or {}).items() if first <= d <= last}

        def is_working(d: date) -> bool:
            if d in overrides:
                return overrides[d]
            if d.weekday() >= 5:
                return d in makeup_names
            return d not in holiday_names

        names = {**holiday_names, **{d: n for d, n in makeup_names.items() if n}}
        names.update((d, n) for d, n in (override_names or {}).items() if d in overrides)
        return cls(first, last, is_working, confirmed_years, names=names, overridden=overrides)

    # -- the questions -------------------------------------------------------------------

    @property
    def first(self) -> date:
        return self._first

    @property
    def last(self) -> date:
        return self._last

    def is_working_day(self, d: date) -> bool:
        return self._working[self._index(d)]

    def add(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (``d`` itself never counts); before if n < 0."""
        i = self._index(d)
        n = operator.index(n)
        if n == 0:
            return d
        # k: position in _ords. _count[i] working days lie in [first, d], of which
        # _count[i] - _working[i] lie strictly before d.
        k = self._count[i] + n - 1 if n > 0 else self._count[i] - self._working[i] + n
        if not 0 <= k < len(self._ords):
            raise CalendarRangeError(d, self._first, self._last, n)
        return date.fromordinal(self._ords[k])

    def between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative, counting (b, a], when b is before a."""
        return self._count[self._index(b)] - self._count[self._index(a)]

    def is_provisional(self, d_or_year: date | int) -> bool:
        """True when the year's official schedule has not been confirmed."""
        year = d_or_year.year if isinstance(d_or_year, date) else operator.index(d_or_year)
        return year not in self._confirmed

    def name(self, d: date) -> str | None:
        """The holiday's name, a make-up day's festival, or an override's note."""
        self._index(d)
        return self._names.get(d)

    def deviations(self, year: int) -> list[Deviation]:
        """The year's weekdays off and weekend days worked, in date order."""
        start = max(date(year, 1, 1), self._first)
        end = min(date(year, 12, 31), self._last)
        if start > end:
            raise CalendarRangeError(date(year, 1, 1), self._first, self._last)
        found = []
        for ordinal in range(start.toordinal(), end.toordinal() + 1):
            working = self._working[ordinal - self._first_ord]
            d = date.fromordinal(ordinal)
            if working == (d.weekday() >= 5):
                found.append(Deviation(d, working, self._names.get(d), d in self._overridden))
        return found

    def __repr__(self) -> str:
        return f"<WorkCalendar {self._first}..{self._last}, {len(self._ords)} working days>"

    def _index(self, d: date) -> int:
        if type(d) is not date:
            d = _plain_date(d)
        i = d.toordinal() - self._first_ord
        if i < 0 or i >= self._size:
            raise CalendarRangeError(d, self._first, self._last)
        return i


def _plain_date(d: object) -> date:
    # A datetime would silently lose its time zone: a UTC "today" is wrong in Shanghai
    # between midnight and 08:00. Callers pass timezone.localdate() or a date field.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"工作日历需要日期（date），而不是 {type(d).__name__}")
    return d


def china_schedule(
    first_year: int, last_year: int, language: str = "zh_CN"
) -> tuple[dict[date, str], dict[date, str]]:
    """The library's holidays and make-up working days of the years, by name (see
    ``from_holidays``); plain data that a caller may keep between processes."""
    return _china_schedule(first_year, last_year, language)


def holidays_version() -> str:
    """The installed python-holidays' version, without importing it (its import costs more
    than a console command's whole work)."""
    from importlib.metadata import version

    return version("holidays")


@lru_cache(maxsize=8)
def _china_schedule(
    first_year: int, last_year: int, language: str
) -> tuple[dict[date, str], dict[date, str]]:
    """Holidays by name, and make-up working days by the festival they serve.

    Cached: the library takes tens of milliseconds for two decades, and administrators'
    overrides are applied on top of this without asking it again.
    """
    import holidays

    lib = holidays.China(years=range(first_year, last_year + 1), language=language)
    in_range = range(first_year, last_year + 1)
    holiday_names = {d: str(n) for d, n in lib.items() if d.year in in_range}
    makeups = sorted(d for d in lib.weekend_workdays if d.year in in_range)

    # A day off moved from a make-up day is labelled "休息日（由 2026-09-20 调休）": that pairs
    # the make-up day with the festival it serves (a nearest-festival guess would call
    # 2026-09-20 a Mid-Autumn day rather than National Day's).
    try:
        template = lib.tr(lib.substituted_label)
        date_format = lib.tr(lib.substituted_date_format)
        sub_prefix = template.split("%s")[0]
    except (AttributeError, TypeError):
        template = date_format = sub_prefix = ""
    moved_to = {
        label: d
        for d, names in holiday_names.items()
        for label in names.split("; ")
        if sub_prefix and label.startswith(sub_prefix)
    }

    def is_off(d: date) -> bool:
        return d in holiday_names or (d.weekday() >= 5 and d not in lib.weekend_workdays)

    # Runs of days off that contain a holiday, each named by its most frequent festival:
    # Spring Festival's run has 除夕 once and 春节 three times.
    blocks: list[tuple[date, date, str]] = []
    for d in sorted(holiday_names):
        if blocks and blocks[-1][0] <= d <= blocks[-1][1]:
            continue
        start, end = d, d
        while is_off(start - timedelta(days=1)):
            start -= timedelta(days=1)
        while is_off(end + timedelta(days=1)):
            end += timedelta(days=1)
        labels: Counter[str] = Counter()
        for o in range((end - start).days + 1):
            for label in holiday_names.get(start + timedelta(days=o), "").split("; "):
                if label and label not in moved_to:
                    labels[label] += 1
        if labels:
            blocks.append((start, end, labels.most_common(1)[0][0]))

    makeup_names: dict[date, str] = {}
    for d in makeups:
        pair = moved_to.get(template % d.strftime(date_format)) if template else None
        anchor = (pair, pair) if pair else (d, d)
        near = [(max((s - anchor[1]).days, (anchor[0] - e).days), s, name) for s, e, name in blocks]
        near = [b for b in near if b[0] <= 14]
        makeup_names[d] = min(near)[2] if near else ""
    return holiday_names, makeup_names
