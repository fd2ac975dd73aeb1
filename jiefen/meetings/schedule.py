"""When meetings fall: the date of a series' meeting in a period, and the next meeting of a
body after a day (for the `next_meeting` deadline rules).

Imports no dispute services, so that jiefen.disputes.deadlines may import it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from jiefen.metrics.periods import Period

if TYPE_CHECKING:
    from jiefen.lib.workdays import WorkCalendar


def _working_in(period: Period, day: date, calendar: WorkCalendar) -> date | None:
    """`day` if it is a working day; else the next working day in the period, else the last
    working day before it in the period; None if the period has no working day."""
    day = min(max(day, period.start), period.end)
    forward = day
    while forward <= period.end:
        if calendar.is_working_day(forward):
            return forward
        forward += timedelta(days=1)
    backward = day - timedelta(days=1)
    while backward >= period.start:
        if calendar.is_working_day(backward):
            return backward
        backward -= timedelta(days=1)
    return None


def meeting_day(
    period: Period, *, rule: str, day: int, weekday: int | None, calendar: WorkCalendar
) -> date | None:
    """The date of the meeting in `period` under `rule` (see models.DayRule)."""
    if rule == "last_working_day":
        return _last_working(period, calendar)
    if rule == "day":
        target = period.start + timedelta(days=max(1, day) - 1)
        return _working_in(period, target, calendar)
    if rule == "weekday":
        if weekday is None:
            return None
        days = [
            period.start + timedelta(days=i)
            for i in range(period.days)
            if (period.start + timedelta(days=i)).weekday() == weekday
        ]
        if not days:
            return None
        index = -1 if day < 0 else min(day, len(days)) - 1
        return _working_in(period, days[index], calendar)
    raise ValueError(f"unknown meeting rule {rule!r}")


def _last_working(period: Period, calendar: WorkCalendar) -> date | None:
    day = period.end
    while day >= period.start:
        if calendar.is_working_day(day):
            return day
        day -= timedelta(days=1)
    return None


def series_dates(series: Any, first: date, last: date, calendar: WorkCalendar) -> list[tuple]:
    """(period, date) of each of the series' meetings whose period overlaps [first, last]."""
    period = Period.containing(series.cadence, first)
    found = []
    while period.start <= last:
        day = meeting_day(
            period, rule=series.rule, day=series.day, weekday=series.weekday, calendar=calendar
        )
        if day is not None:
            found.append((period, day))
        period = period.next()
    return found


def next_meeting_date(*, body: Any, after: date) -> date | None:
    """The date of `body`'s next meeting strictly after `after`, or None when it has no meeting
    schedule. A generated meeting row is authoritative for its period (its date may have been
    moved; a cancelled one does not count); periods not generated yet (rows are generated a few
    weeks ahead) take the date of the series' rule. Ad-hoc meetings count too.

    Three indexed queries, whatever the number of meetings.
    """
    from jiefen.calendars.services import calendar_current
    from jiefen.meetings.models import Meeting, MeetingSeries, MeetingStatus

    body_id = getattr(body, "pk", body)
    candidates: list[date] = []
    adhoc = (
        Meeting.objects.filter(body_id=body_id, series__isnull=True, date__gt=after)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    if adhoc is not None:
        candidates.append(adhoc)
    series = MeetingSeries.objects.filter(body_id=body_id, active=True).first()
    if series is not None:
        horizon = after + timedelta(days=93)
        rows = {
            start: (day, status)
            for start, day, status in Meeting.objects.filter(
                series=series, period_end__gte=after, period_start__lte=horizon
            ).values_list("period_start", "date", "status")
        }
        for period, rule_day in series_dates(series, after, horizon, calendar_current()):
            day, status = rows.get(period.start, (rule_day, MeetingStatus.SCHEDULED))
            if status != MeetingStatus.CANCELLED and day > after:
                candidates.append(day)
                break
    return min(candidates) if candidates else None
