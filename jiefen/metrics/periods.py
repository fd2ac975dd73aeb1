"""Reporting periods: a month, a half month (1st–15th, 16th–end), a quarter, a year, or any
range of local dates. Pure: no database."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KINDS = {
    "month": gettext_lazy("月"),
    "half": gettext_lazy("半月"),
    "quarter": gettext_lazy("季度"),
    "year": gettext_lazy("年"),
    "custom": gettext_lazy("自定义"),
}
DEFAULT_KIND = "year"
FIRST_DAY = date(2004, 1, 1)  # the working-day calendar starts here
LONGEST = 366 * 5  # days in a custom range


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def year_earlier(day: date) -> date:
    """The same day a year earlier; 28 February for 29 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        if kind == "month":
            return cls(kind, day.replace(day=1), _month_end(day.year, day.month))
        if kind == "half":
            if day.day <= 15:
                return cls(kind, day.replace(day=1), day.replace(day=15))
            return cls(kind, day.replace(day=16), _month_end(day.year, day.month))
        if kind == "quarter":
            first = 3 * ((day.month - 1) // 3) + 1
            return cls(kind, date(day.year, first, 1), _month_end(day.year, first + 2))
        if kind == "year":
            return cls(kind, date(day.year, 1, 1), date(day.year, 12, 31))
        raise ValueError(kind)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        if self.kind == "custom":
            return Period(
                "custom", self.start - timedelta(days=self.days), self.start - timedelta(1)
            )
        return Period.containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        if self.kind == "custom":
            return Period("custom", self.end + timedelta(1), self.end + timedelta(days=self.days))
        return Period.containing(self.kind, self.end + timedelta(days=1))

    def year_earlier(self) -> Period:
        """The same period a year earlier (for the change in mass disputes)."""
        if self.kind == "custom":
            return Period("custom", year_earlier(self.start), year_earlier(self.end))
        return Period.containing(self.kind, year_earlier(self.start))

    def label(self) -> str:
        s = self.start
        if self.kind == "month":
            return _("%(year)d年%(month)d月") % {"year": s.year, "month": s.month}
        if self.kind == "half":
            if s.day == 1:
                return _("%(year)d年%(month)d月上半月") % {"year": s.year, "month": s.month}
            return _("%(year)d年%(month)d月下半月") % {"year": s.year, "month": s.month}
        if self.kind == "quarter":
            return _("%(year)d年第%(quarter)d季度") % {
                "year": s.year,
                "quarter": (s.month - 1) // 3 + 1,
            }
        if self.kind == "year":
            return _("%(year)d年") % {"year": s.year}
        return _("%(start)s 至 %(end)s") % {"start": s.isoformat(), "end": self.end.isoformat()}

    def query(self) -> dict[str, str]:
        """The GET parameters that select this period."""
        if self.kind == "custom":
            return {"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"period": self.kind, "on": self.start.isoformat()}

    def months(self, count: int = 12) -> list[Period]:
        """The `count` calendar months ending with the one that holds this period's end."""
        months = [Period.containing("month", self.end)]
        while len(months) < count:
            months.append(months[-1].previous())
        return months[::-1]


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def period_from(params: Any, today: date) -> Period:
    """The period a request asks for; anything missing or malformed falls back to the
    period of the default kind containing today."""
    kind = params.get("period") or DEFAULT_KIND
    if kind == "custom":
        start, end = _date(params.get("from")), _date(params.get("to"))
        if start and end and FIRST_DAY <= start <= end and (end - start).days < LONGEST:
            return Period("custom", start, end)
        kind = DEFAULT_KIND
    if kind not in KINDS:
        kind = DEFAULT_KIND
    on = _date(params.get("on")) or today
    if on < FIRST_DAY or on.year > today.year + 1:
        on = today
    return Period.containing(kind, on)
