"""`jiefen meetings schedule`: default meeting schedules for every town centre and county
joint meeting without one. `jiefen meetings sweep`: what the periodic sweep does for meetings
and screening returns (generate meetings, refresh agendas, remind villages)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.meetings.screening import screening_reminders
from jiefen.meetings.services import meetings_sweep, series_defaults


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = _(
            "会议安排：schedule 建立默认例会安排；sweep 生成会议、更新议程、提醒未报送排查的村"
        )
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["schedule", "sweep"])

    def handle(self, *args: object, **options: Any) -> None:
        now = timezone.now()
        if options["what"] == "schedule":
            n = series_defaults(at=now)
            self.stdout.write(_("新建例会安排 %(n)d 个") % {"n": n})
            return
        today = timezone.localdate(now)
        done = meetings_sweep(today=today, at=now)
        reminded = screening_reminders(today=today, at=now)
        self.stdout.write(
            _("生成或更新议程的会议 %(meetings)d 个，排查报送提醒 %(reminded)d 个")
            % {"meetings": done, "reminded": reminded}
        )
