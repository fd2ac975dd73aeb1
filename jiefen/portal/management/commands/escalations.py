"""`jiefen escalations`: send up every dispute whose party's request to go up a level was not
answered in time. Run it daily (after midnight, Asia/Shanghai), next to `jiefen deadlines
refresh`; it is idempotent."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.portal.services import escalations_overdue


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name, subcommand, **kwargs):  # type: ignore[no-untyped-def]
        self.help = _("逾期未答复的上移申请：自动移送上一级")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        done = escalations_overdue(today=timezone.localdate())
        self.stdout.write(_("自动移送上一级：%(n)d 件") % {"n": len(done)})
