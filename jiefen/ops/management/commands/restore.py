"""`jiefen restore FILE TARGET [--force]`: restore a backup into another database.

TARGET is a DATABASE_URL, or a bare name: on PostgreSQL a database on the same server (created
if missing), on SQLite a file path. A target that already holds tables is refused unless
--force; the database in use is always refused. Point DATABASE_URL at the restored copy only
after checking it (e.g. `jiefen audit verify`).
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jiefen.ops.backup import BackupError, backup_restore, target_config


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = _("把备份文件恢复到一个新数据库（不会覆盖正在使用的数据库）")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help=_("备份文件路径"))
        parser.add_argument(
            "target",
            metavar="TARGET",
            help=_("目标数据库：DATABASE_URL，或同一服务器上的库名（SQLite 为文件路径）"),
        )
        parser.add_argument(
            "--force", action="store_true", help=_("目标数据库不是空的也覆盖（先清空）")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        current = settings.DATABASES["default"]
        try:
            target = target_config(current, options["target"])
            backup_restore(
                path=Path(options["file"]),
                target=target,
                current=current,
                force=options["force"],
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(_("已恢复到 %(name)s") % {"name": target["NAME"]})
