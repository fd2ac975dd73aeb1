"""`jiefen deadlines refresh | recompute [--year YYYY]`: keep stored deadlines and colours true.

`refresh` recolours open disputes for today (yellow: one working day or less left; red:
overdue) with range updates on the indexed due date; run it daily, it is idempotent.
`recompute` recalculates stored deadlines after the calendar or the rules changed.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.calendars.services import calendar_current
from jiefen.disputes.deadlines import warnings_refresh
from jiefen.disputes.services import deadlines_recompute


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name, subcommand, **kwargs):  # type: ignore[no-untyped-def]
        self.help = _("时限：刷新预警颜色，或在日历、规则变更后重新计算时限")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("refresh", help=_("按今天刷新黄色、红色预警"))
        recompute = actions.add_parser("recompute", help=_("重新计算在办纠纷的时限"))
        recompute.add_argument("--year", type=int, help=_("只重算时限落在该年的纠纷"))

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["action"] == "refresh":
            changed = warnings_refresh(today=timezone.localdate(), calendar=calendar_current())
            self.stdout.write(
                _("变为红色 %(red)d 件，变为黄色 %(yellow)d 件，解除预警 %(none)d 件") % changed
            )
        else:
            count = deadlines_recompute(year=options.get("year"))
            self.stdout.write(_("时限有变化的纠纷：%(n)d 件") % {"n": count})
