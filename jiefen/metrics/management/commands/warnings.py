"""`jiefen warnings refresh | check`: compute the due early-warning reports now, or compare
every current stored report with the early warnings computed afresh from the disputes and
report every difference (exit status 1 when there is one).

The sweep keeps the reports up to date through the task worker; `refresh` does the same work
in the foreground (`--all`: every stored report, due or not).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.metrics.models import WarningReport
from jiefen.metrics.warning_reports import (
    report_compute,
    reports_refresh,
    warnings_check,
    warnings_waiting,
)
from jiefen.regions.models import Region


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name, subcommand, **kwargs):  # type: ignore[no-untyped-def]
        self.help = _("预警研判结果：计算到期的结果，或与重新计算的结果核对")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        actions = parser.add_subparsers(dest="action", required=True)
        refresh = actions.add_parser("refresh", help=_("计算到期的预警研判结果"))
        refresh.add_argument("--all", action="store_true", help=_("重新计算全部已存结果"))
        check = actions.add_parser("check", help=_("核对已存的预警研判结果与重新计算的结果"))
        check.add_argument(
            "--region",
            action="append",
            type=int,
            help=_("核对的区划代码（12 位，可多次给出；默认：全部）"),
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        today = timezone.localdate()
        if options["action"] == "refresh":
            if options["all"]:
                done = 0
                for row in WarningReport.objects.order_by("region_code", "start"):
                    region = Region.objects.filter(code=row.region_code).first()
                    if region is not None:
                        report_compute(region=region, start=row.start, end=row.end, today=today)
                        done += 1
            else:
                done = reports_refresh(today=today, budget=None)
            self.stdout.write(
                self.style.SUCCESS(
                    _("计算了 %(n)d 份预警研判结果，用时 %(seconds).1f 秒")
                    % {"n": done, "seconds": time.perf_counter() - began}
                )
            )
            return
        problems = warnings_check(regions=options.get("region"), today=today)
        for problem in problems:
            self.stdout.write(problem)
        waiting = warnings_waiting(today=today)
        if waiting:
            self.stdout.write(_("%(n)d 份结果等待重新计算，未核对") % {"n": waiting})
        if problems:
            raise CommandError(
                _("预警研判结果与重新计算的结果有 %(n)d 处差异") % {"n": len(problems)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("预警研判结果与重新计算的结果一致（用时 %(seconds).1f 秒）")
                % {"seconds": time.perf_counter() - began}
            )
        )
