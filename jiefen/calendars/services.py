"""The current working-day calendar, and the only writes to its tables.

``calendar_current()`` is what everyone reads: a WorkCalendar built from python-holidays, the
administrators' overrides and the confirmed years. It is kept in the process and rebuilt when
the two small tables change; arithmetic on it never touches the database.

Staleness: a write through the services below is seen at once in its own process. Other
processes notice within CHECK_SECONDS, when they compare the tables' contents (a few dozen
rows) with what their calendar was built from.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.calendars.models import CalendarOverride, CalendarYear
from jiefen.lib.workdays import CalendarRangeError, WorkCalendar

log = logging.getLogger(__name__)

CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class _Built:
    calendar: WorkCalendar
    stamp: tuple
    checked_at: float


_built: _Built | None = None
_lock = threading.Lock()


def calendar_years() -> tuple[int, int]:
    """First and last year the calendar covers (the last moves on with the local date)."""
    this_year = timezone.localdate().year
    return settings.JIEFEN_CALENDAR_FIRST_YEAR, this_year + settings.JIEFEN_CALENDAR_YEARS_AHEAD


def calendar_current() -> WorkCalendar:
    """The working-day calendar as of now; cheap to call on every request."""
    global _built
    built = _built
    if built is not None and time.monotonic() - built.checked_at < CHECK_SECONDS:
        return built.calendar
    with _lock:
        built = _built
        stamp = _stamp()
        if built is None or built.stamp != stamp:
            (first_year, last_year), overrides, confirmed = stamp
            calendar = WorkCalendar.from_holidays(
                first_year,
                last_year,
                {d: working for d, working, _notice in overrides},
                confirmed,
                override_names={d: notice for d, _working, notice in overrides},
                schedule=_schedule_kept(first_year, last_year),
            )
        else:
            calendar = built.calendar
        _built = _Built(calendar, stamp, time.monotonic())
        return calendar


def _schedule_kept(first_year: int, last_year: int) -> tuple[dict, dict]:
    """python-holidays' schedule of the years, kept in a file under var/ by the library's
    version: a new process (a console command, a worker) builds its calendar without importing
    the library, whose import costs more than a console command's whole work. It is the
    library's answer alone, the same on every host; the administrators' overrides are applied
    on top and never kept here."""
    from jiefen.lib.workdays import china_schedule, holidays_version

    path = (
        Path(settings.VAR_DIR)
        / "cache"
        / (f"holidays-{holidays_version()}-{first_year}-{last_year}.json")
    )
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        return (
            {Date.fromisoformat(d): n for d, n in kept["holidays"].items()},
            {Date.fromisoformat(d): n for d, n in kept["makeups"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not kept yet, or unreadable: ask the library
    holidays, makeups = china_schedule(first_year, last_year)
    data = {
        "holidays": {d.isoformat(): n for d, n in holidays.items()},
        "makeups": {d.isoformat(): n for d, n in makeups.items()},
    }
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)  # atomic: a reader sees the whole file or none
    except OSError:
        log.warning("calendar schedule not kept in %s", path, exc_info=True)
    return holidays, makeups


def calendar_forget() -> None:
    """Drop this process's calendar; the next calendar_current() rebuilds it."""
    global _built
    _built = None


def range_error_message(error: CalendarRangeError) -> str:
    """A translated message for a date (or a sum of days) outside the calendar."""
    n = error.n
    params = {"date": error.value, "first": error.first, "last": error.last, "n": abs(n or 0)}
    if n is None:
        return _("%(date)s 超出工作日历范围（%(first)s 至 %(last)s）") % params
    if n > 0:
        return _("%(date)s 后第 %(n)s 个工作日超出工作日历范围（%(first)s 至 %(last)s）") % params
    return _("%(date)s 前第 %(n)s 个工作日超出工作日历范围（%(first)s 至 %(last)s）") % params


def _stamp() -> tuple:
    # The tables are tiny (a few dozen rows); reading them whole catches every kind of
    # change, edits in place included, which counts and max(id) would miss.
    overrides = tuple(
        CalendarOverride.objects.order_by("date").values_list("date", "working", "notice")
    )
    confirmed = tuple(
        CalendarYear.objects.filter(confirmed=True).order_by("year").values_list("year", flat=True)
    )
    return calendar_years(), overrides, confirmed


def _changed() -> None:
    # Forget now, so this transaction reads its own write, and again after commit, in case
    # a reader cached the old tables in between.
    calendar_forget()
    transaction.on_commit(calendar_forget)


# -- validation, shared by the services and the admin forms -------------------------------


def _year_error(year: int) -> ValidationError | None:
    first, last = calendar_years()
    if first <= year <= last:
        return None
    return ValidationError(
        _("%(year)s 年不在工作日历范围内（%(first)s 年至 %(last)s 年）"),
        code="out_of_range",
        params={"year": year, "first": first, "last": last},
    )


def override_check(*, date: Date | None, notice: str | None) -> None:
    """Raise ValidationError, keyed by field, unless an override can be written."""
    errors: dict[str, ValidationError] = {}
    if date is None:
        errors["date"] = ValidationError(_("请填写日期"), code="required")
    else:
        if (error := _year_error(date.year)) is not None:
            errors["date"] = error
        if not (notice or "").strip():
            errors["notice"] = ValidationError(
                _("调整 %(date)s 必须注明依据文件"), code="required", params={"date": date}
            )
    if errors:
        raise ValidationError(errors)


def year_check(*, year: int | None, notice: str | None) -> None:
    """Raise ValidationError, keyed by field, unless the year can be confirmed."""
    errors: dict[str, ValidationError] = {}
    if year is None:
        errors["year"] = ValidationError(_("请填写年份"), code="required")
    else:
        if (error := _year_error(year)) is not None:
            errors["year"] = error
        if not (notice or "").strip():
            errors["notice"] = ValidationError(
                _("确认 %(year)s 年的节假日安排必须注明依据文件"),
                code="required",
                params={"year": year},
            )
    if errors:
        raise ValidationError(errors)


# -- writes ---------------------------------------------------------------------------------


def override_set(*, date: Date, working: bool, notice: str, actor) -> CalendarOverride:
    """Mark a date working (True) or a day off (False), replacing any earlier override."""
    override_check(date=date, notice=notice)
    with transaction.atomic():
        old = CalendarOverride.objects.select_for_update().filter(date=date).first()
        override, _created = CalendarOverride.objects.update_or_create(
            date=date,
            defaults={
                "working": bool(working),
                "notice": notice.strip(),
                "created_by": actor,
                "created_at": timezone.now(),
            },
        )
        _changed()
    log.info(
        "calendar override %s: %s -> working=%s (%s) by %s",
        date,
        None if old is None else old.working,
        override.working,
        override.notice,
        getattr(actor, "pk", None),
    )
    return override


def override_remove(*, date: Date, actor) -> None:
    """Take an override away: the official schedule applies to that date again."""
    with transaction.atomic():
        old = CalendarOverride.objects.select_for_update().filter(date=date).first()
        if old is None:
            raise ValidationError(
                {"date": ValidationError(_("%(date)s 没有日历调整"), params={"date": date})}
            )
        old.delete()
        _changed()
    log.info(
        "calendar override %s removed (was working=%s, %s) by %s",
        date,
        old.working,
        old.notice,
        getattr(actor, "pk", None),
    )


def year_confirm(*, year: int, notice: str, actor) -> CalendarYear:
    """Record that the year's official schedule is in the calendar; it stops being provisional."""
    year_check(year=year, notice=notice)
    with transaction.atomic():
        entry, _created = CalendarYear.objects.update_or_create(
            year=year,
            defaults={"confirmed": True, "notice": notice.strip(), "confirmed_by": actor},
        )
        _changed()
    log.info(
        "calendar year %s confirmed (%s) by %s", year, entry.notice, getattr(actor, "pk", None)
    )
    return entry


def year_unconfirm(*, year: int, actor) -> CalendarYear:
    """Mark a confirmed year provisional again (e.g. confirmed by mistake)."""
    with transaction.atomic():
        entry = CalendarYear.objects.select_for_update().filter(year=year).first()
        if entry is None:
            raise ValidationError(
                {"year": ValidationError(_("%(year)s 年尚未确认"), params={"year": year})}
            )
        entry.confirmed = False
        entry.confirmed_by = actor
        entry.save(update_fields=["confirmed", "confirmed_by", "confirmed_at"])
        _changed()
    log.info("calendar year %s made provisional by %s", year, getattr(actor, "pk", None))
    return entry
