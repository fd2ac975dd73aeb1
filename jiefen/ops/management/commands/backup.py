"""`jiefen backup FILE [--force]`: a consistent backup of the database in use.

PostgreSQL: pg_dump's custom format (restore with `jiefen restore` or pg_restore). SQLite: a
copy made with the online backup API, safe while the application runs. Keep
FIELD_ENCRYPTION_KEY with the backups: parties' phone and ID numbers cannot be read without it.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jiefen.ops.backup import BackupError, backup_create, engine_of


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = _("备份正在使用的数据库到文件（PostgreSQL 用 pg_dump，SQLite 用在线备份）")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help=_("备份文件路径"))
        parser.add_argument("--force", action="store_true", help=_("覆盖已存在的备份文件"))

    def handle(self, *args: Any, **options: Any) -> None:
        db = settings.DATABASES["default"]
        path = Path(options["file"]).resolve()
        try:
            backup_create(db=db, path=path, force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("已备份（%(engine)s）到 %(path)s，%(size)d 字节")
            % {"engine": engine_of(db), "path": path, "size": path.stat().st_size}
        )
        self.stderr.write(
            _("提醒：当事人电话和证件号码已加密，恢复时需要同一个 FIELD_ENCRYPTION_KEY")
        )
