"""`jiefen workdays add DATE N | between A B | year YYYY`: the working-day calendar by hand.

`add` prints only the ISO date on stdout so scripts can use it; warnings go to stderr.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jiefen.calendars.models import CalendarYear
from jiefen.calendars.services import calendar_current, range_error_message
from jiefen.lib.workdays import CalendarRangeError, WorkCalendar


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("“%(value)s”不是有效日期，请写成 YYYY-MM-DD，例如 2025-01-24") % {"value": value}
        ) from None


def _int(value: str, message: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise CommandError(message % {"value": value}) from None


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name, subcommand, **kwargs):
        # argparse needs a real string, so translate when the parser is made.
        self.help = _("工作日历：推算期限、计算工作日数、查看一年的节假日与调休")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help=_("打印 DATE 之后第 N 个工作日（DATE 当天不计入）"))
        add.add_argument("date", metavar="DATE")
        add.add_argument("n", metavar="N")
        between = actions.add_parser("between", help=_("打印 A 之后到 B（含）之间的工作日数"))
        between.add_argument("a", metavar="A")
        between.add_argument("b", metavar="B")
        year = actions.add_parser("year", help=_("列出一年中放假的工作日和上班的周末（调休）"))
        year.add_argument("year", metavar="YYYY")

    def handle(self, *args, **options):
        calendar = calendar_current()
        try:
            if options["action"] == "add":
                self.add(calendar, options["date"], options["n"])
            elif options["action"] == "between":
                self.between(calendar, options["a"], options["b"])
            else:
                self.year(calendar, options["year"])
        except CalendarRangeError as error:
            raise CommandError(range_error_message(error)) from None

    def add(self, calendar: WorkCalendar, raw_date: str, raw_n: str) -> None:
        start = _date(raw_date)
        n = _int(raw_n, _("“%(value)s”不是整数，N 应为工作日数，例如 3"))
        result = calendar.add(start, n)
        self.warn_provisional(calendar, start, result)
        self.stdout.write(result.isoformat())

    def between(self, calendar: WorkCalendar, raw_a: str, raw_b: str) -> None:
        a, b = _date(raw_a), _date(raw_b)
        count = calendar.between(a, b)
        self.warn_provisional(calendar, a, b)
        self.stdout.write(str(count))

    def year(self, calendar: WorkCalendar, raw_year: str) -> None:
        year = _int(raw_year, _("“%(value)s”不是年份，请写成四位数字，例如 2025"))
        days = calendar.deviations(year)
        if calendar.is_provisional(year):
            status = _("暂定：尚未确认国务院办公厅的放假安排，日期按规则推算，可能变化")
        else:
            entry = CalendarYear.objects.filter(year=year).first()
            status = _("已确认：%(notice)s") % {"notice": entry.notice if entry else ""}
        self.stdout.write(_("%(year)s 年（%(status)s）") % {"year": year, "status": status})
        weekdays = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]
        for day in days:
            if day.overridden:
                what = _("调整：%(notice)s") % {"notice": day.name}
            elif day.working:
                what = _("%(name)s调休上班") % {"name": day.name} if day.name else _("调休上班")
            else:
                what = day.name or _("放假")
            self.stdout.write(
                f"{day.date.isoformat()} {weekdays[day.date.weekday()]} "
                f"{_('上班') if day.working else _('休息')} {what}"
            )

    def warn_provisional(self, calendar: WorkCalendar, a: date, b: date) -> None:
        low, high = sorted((a.year, b.year))
        years = [y for y in range(low, high + 1) if calendar.is_provisional(y)]
        if years:
            self.stderr.write(
                _("注意：%(years)s 年的节假日安排尚未确认（暂定），结果可能变化")
                % {"years": "、".join(map(str, years))}
            )
