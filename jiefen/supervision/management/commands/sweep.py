"""`jiefen sweep [--schedule [--interval SECONDS]]`: the periodic sweep of supervision.

Without options, one sweep now (for cron or a systemd timer, e.g. every 5 minutes; safe to
overlap). With --schedule, start or restart the self-renewing sweep on the task backend, for
`jiefen db_worker` to run every --interval seconds (default settings.JIEFEN_SWEEP_INTERVAL).
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jiefen.supervision.sweep import sweep_run
from jiefen.supervision.tasks import CannotSchedule, sweep_interval, sweep_schedule


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name, subcommand, **kwargs):  # type: ignore[no-untyped-def]
        self.help = _("督办巡检：刷新预警，生成通知、督办逾期提醒和包案提醒")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--schedule",
            action="store_true",
            help=_("交由后台任务定期巡检（需运行 jiefen db_worker）"),
        )
        parser.add_argument("--interval", type=int, help=_("定期巡检的间隔秒数"))

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["schedule"]:
            interval = options.get("interval") or sweep_interval()
            try:
                task_id = sweep_schedule(interval=interval)
            except CannotSchedule as error:
                raise CommandError(
                    _(
                        "任务后端 %(backend)s 不支持定时任务；"
                        "请配置数据库任务后端，或用 cron 定期运行 jiefen sweep"
                    )
                    % {"backend": error}
                ) from None
            except ValueError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                _("已安排每 %(seconds)d 秒巡检一次（任务 %(id)s）")
                % {"seconds": interval, "id": task_id}
            )
            return
        counts = sweep_run()
        self.stdout.write(json.dumps(counts, ensure_ascii=False, sort_keys=True))
