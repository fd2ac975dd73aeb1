"""`jiefen import FILE --as USERNAME [--kind disputes|mediators|catalogue] [--valid-only]
[--dry-run]`: import historical disputes, the mediator register or the routing catalogue from
an .xlsx or .csv file, with a progress bar; prints the error table and exits non-zero when the
file is refused (1) or cannot be read or run at all (2). `--template` writes the blank template
of a register sheet to FILE instead."""

import argparse
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.utils.translation import gettext as _

from jiefen.accounts.models import User
from jiefen.spreadsheets.importing import FileError, digest_of, read_rows, run_job
from jiefen.spreadsheets.models import ImportJob
from jiefen.spreadsheets.register_import import (
    KINDS,
    columns_help,
    register_import,
    register_template,
)


class _Help(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's order of options, and the column lists kept one a line."""


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name, subcommand, **kwargs):  # type: ignore[no-untyped-def]
        self.help = _("从 .xlsx 或 .csv 文件导入历史纠纷、人民调解员名册或归口目录")
        kwargs.setdefault("formatter_class", _Help)
        kwargs.setdefault(
            "epilog",
            _("名册和目录的列（* 为必填）：")
            + "\n"
            + "\n".join(columns_help(kind) for kind in KINDS),
        )
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file", help=_("要导入的文件（.xlsx 或 .csv）"))
        parser.add_argument(
            "--as", dest="username", help=_("以该用户的身份和管辖范围导入（导入时必填）")
        )
        parser.add_argument(
            "--valid-only", action="store_true", help=_("跳过有错误的行，只导入有效行")
        )
        parser.add_argument("--dry-run", action="store_true", help=_("只校验，不导入"))
        parser.add_argument(
            "--kind",
            choices=["disputes", *KINDS],
            default="disputes",
            help=_("文件内容：disputes 历史纠纷（默认）、mediators 调解员名册、catalogue 归口目录"),
        )
        parser.add_argument(
            "--template",
            action="store_true",
            help=_("不导入，把 --kind 所指名册或目录的空白模板写到 FILE"),
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        path = Path(options["file"])
        kind = options["kind"]
        if options["template"]:
            if kind not in KINDS:
                raise CommandError(_("--template 只用于 mediators 和 catalogue"), returncode=2)
            path.write_bytes(register_template(kind))
            self.stdout.write(self.style.SUCCESS(_("模板已写入 %(path)s") % {"path": path}))
            return
        if not options["username"]:
            raise CommandError(_("请用 --as 指定导入人"), returncode=2)
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("无法读取文件：%(error)s") % {"error": error}, returncode=2
            ) from None
        try:
            actor = User.objects.get(username=options["username"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(
                _("用户 %(name)s 不存在或已停用") % {"name": options["username"]}, returncode=2
            ) from None
        if kind in KINDS:
            self._register(actor, raw, path.name, kind, options)
            return
        try:
            read_rows(raw, path.name)  # fail fast on an unreadable file, before any record
        except FileError as error:
            raise CommandError(str(error), returncode=2) from None
        job = ImportJob.objects.create(
            actor=actor,
            filename=path.name[:200],
            digest=digest_of(raw),
            content=raw,
            valid_only=options["valid_only"],
            dry_run=options["dry_run"],
        )
        tty = self.stdout.isatty() if hasattr(self.stdout, "isatty") else sys.stdout.isatty()
        labels = {"check": _("校验"), "write": _("导入")}

        def progress(phase: str, done: int, total: int) -> None:
            width = 30
            filled = int(width * done / total) if total else width
            bar = "#" * filled + "-" * (width - filled)
            line = f"{labels[phase]} [{bar}] {done}/{total}"
            if tty:
                self.stdout.write("\r" + line, ending="")
                if done >= total:
                    self.stdout.write("")
            elif done >= total:
                self.stdout.write(line)

        job = run_job(job.pk, progress=progress)
        if job.errors:
            self.stdout.write(_("行号\t列\t错误"))
            for row, column, message in job.errors:
                self.stdout.write(f"{row}\t{column or '-'}\t{message}")
        if job.status == ImportJob.State.REFUSED:
            raise CommandError(
                _("文件有 %(n)d 行错误，未导入任何一行（可加 --valid-only 只导入有效行）")
                % {"n": job.rows_invalid},
                returncode=1,
            )
        if job.status == ImportJob.State.FAILED:
            raise CommandError(_("导入中断，已导入 %(n)d 行") % {"n": job.rows_done}, returncode=1)
        if job.dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    _("校验通过：%(n)d 行均可导入（未导入）") % {"n": job.rows_total}
                )
            )
            return
        skipped = job.rows_invalid
        self.stdout.write(
            self.style.SUCCESS(
                _("已导入 %(n)d 件纠纷（%(first)s – %(last)s），跳过 %(skipped)d 行")
                % {
                    "n": job.rows_done,
                    "first": job.first_number,
                    "last": job.last_number,
                    "skipped": skipped,
                }
            )
        )

    def _register(self, actor, raw, filename, kind, options):  # type: ignore[no-untyped-def]
        """A register or catalogue sheet: checked and written row by row in one transaction,
        kept only if every row passed (or --valid-only), never in a dry run."""
        try:
            result = register_import(
                actor,
                raw,
                filename,
                kind=kind,
                valid_only=options["valid_only"],
                dry_run=options["dry_run"],
            )
        except FileError as error:
            raise CommandError(str(error), returncode=2) from None
        if result.errors:
            self.stdout.write(_("行号\t列\t错误"))
            for problem in result.errors:
                self.stdout.write(f"{problem.row}\t{problem.column or '-'}\t{problem.message}")
        if result.refused:
            raise CommandError(
                _("文件有 %(n)d 行错误，未导入任何一行（可加 --valid-only 只导入有效行）")
                % {"n": result.invalid_rows}
                if result.errors
                else _("文件中没有可导入的行"),
                returncode=1,
            )
        if options["dry_run"]:
            self.stdout.write(
                self.style.SUCCESS(_("校验通过：%(n)d 行可导入（未导入）") % {"n": result.valid})
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                _("已导入 %(n)d 行，跳过 %(skipped)d 行")
                % {"n": result.imported, "skipped": result.invalid_rows}
            )
        )
