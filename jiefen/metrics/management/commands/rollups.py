"""`jiefen rollups rebuild | check`: recompute the KPI rollups from the dispute history, or
compare them with it and report every difference (exit status 1 when there is one).

Run `rebuild` after a bulk load that bypassed the services (the synthetic generator calls it
itself), after deadlines were recomputed, or to repair; `check` any time (it reads only).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jiefen.metrics.rollups import rollups_check, rollups_rebuild


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name, subcommand, **kwargs):  # type: ignore[no-untyped-def]
        self.help = _("考核统计汇总表：从办理记录重建，或与原始数据核对")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("rebuild", help=_("从纠纷、办理记录和层级办理重建全部汇总表"))
        check = actions.add_parser("check", help=_("核对汇总表与原始数据，列出全部差异"))
        check.add_argument(
            "--region",
            action="append",
            type=int,
            help=_("核对指标的区划代码（12 位，可多次给出；默认：各省、市）"),
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        if options["action"] == "rebuild":
            written = rollups_rebuild()
            for table, rows in written.items():
                self.stdout.write(
                    _("%(table)s：%(rows)s 行") % {"table": table, "rows": f"{rows:,}"}
                )
            self.stdout.write(
                self.style.SUCCESS(
                    _("重建完成，用时 %(seconds).1f 秒") % {"seconds": time.perf_counter() - began}
                )
            )
            return
        problems = rollups_check(regions=options.get("region"))
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(_("汇总表与原始数据有 %(n)d 处差异") % {"n": len(problems)})
        self.stdout.write(
            self.style.SUCCESS(
                _("汇总表与原始数据一致（用时 %(seconds).1f 秒）")
                % {"seconds": time.perf_counter() - began}
            )
        )
