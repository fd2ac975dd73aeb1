"""`jiefen regions import [PATH]`: import division codes from a china-division CSV folder."""

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jiefen.regions.services import ZHEJIANG, RegionImportError, regions_import


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # argparse needs a real string, so translate when the parser is made.
        self.help = _("行政区划：import 从 china-division 的 CSV 文件夹导入区划代码")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = actions.add_parser(
            "import",
            help=_("导入一个文件夹中的 provinces/cities/areas/streets/villages.csv"),
        )
        load.add_argument(
            "path",
            nargs="?",
            default=str(ZHEJIANG),
            help=_("CSV 文件夹（默认：随附的浙江省数据）"),
        )
        load.add_argument(
            "--within",
            metavar="CODE",
            help=_("只导入这个代码前缀下的单位（及其上级），如 3306"),
        )
        # Also after the subcommand (`regions import -v2`); SUPPRESS keeps the main default.
        load.add_argument(
            "-v", "--verbosity", type=int, choices=[0, 1, 2, 3], default=argparse.SUPPRESS
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "import":
            self.handle_import(str(options["path"]), options.get("within"), options)

    def handle_import(self, path: str, within: object, options: dict[str, object]) -> None:
        verbose = int(str(options.get("verbosity", 1))) >= 2
        try:
            result = regions_import(
                path=path,
                within=str(within) if within else None,
                progress=self.stdout.write if verbose else None,
            )
        except RegionImportError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(
                _("导入失败：%(count)d 处错误，未写入任何数据。") % {"count": len(exc.messages)}
            ) from exc
        for level, counts in result.levels.items():
            line = _("%(level)s：新增 %(added)d，更新 %(updated)d，未变 %(unchanged)d") % {
                "level": level.label,
                "added": counts.added,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
            }
            if counts.skipped:
                line += _("（%(skipped)d 行代表上一级单位，已跳过）") % {"skipped": counts.skipped}
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                _("导入完成：新增 %(added)d，更新 %(updated)d，未变 %(unchanged)d")
                % {
                    "added": result.added,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                }
            )
        )
