"""`jiefen privacy anonymise [--dry-run] [--before DATE]`: apply the retention period to the
parties of finished disputes; `jiefen privacy reindex`: recompute the lookup digests (after
FIELD_ENCRYPTION_KEY changed, or after a bulk load that wrote parties without them)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.disputes.services import party_digests_reindex
from jiefen.privacy.retention import Done, parties_anonymise, retention_cutoff, retention_years


def _today() -> date:
    return timezone.localdate()


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name, subcommand, **kwargs):  # type: ignore[no-untyped-def]
        self.help = _("个人信息保护：按保存期限匿名化当事人信息；重建查询摘要")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        actions = parser.add_subparsers(dest="action", required=True)
        anonymise = actions.add_parser(
            "anonymise", help=_("匿名化超过保存期限的已结案纠纷的当事人信息")
        )
        anonymise.add_argument("--dry-run", action="store_true", help=_("只统计，不修改"))
        anonymise.add_argument(
            "--before",
            type=date.fromisoformat,
            help=_("只处理该日期（YYYY-MM-DD）之前结案的纠纷；不得晚于保存期限的截止日"),
        )
        anonymise.add_argument("--chunk", type=int, default=200, help=_("每批处理的纠纷数"))
        actions.add_parser("reindex", help=_("重新计算当事人电话、证件号码的查询摘要"))

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["action"] == "reindex":
            return self.reindex()
        try:
            years = retention_years()
        except ValueError as error:
            raise CommandError(str(error)) from None
        cutoff = retention_cutoff(_today(), years)
        before = options.get("before") or cutoff
        if before > cutoff:
            raise CommandError(
                _("%(day)s 晚于保存期限（%(years)d 年）的截止日 %(cutoff)s，不能提前删除")
                % {"day": before, "years": years, "cutoff": cutoff}
            )
        if options["chunk"] < 1:
            raise CommandError(_("每批处理的纠纷数须为正整数"))
        dry_run = options["dry_run"]

        def progress(done: Done) -> None:
            self.stdout.write(
                _("…已处理纠纷 %(disputes)d 件，当事人 %(parties)d 人")
                % {"disputes": done.disputes, "parties": done.parties}
            )

        done = parties_anonymise(
            closed_before=before, dry_run=dry_run, chunk=options["chunk"], progress=progress
        )
        summary = (
            _(
                "试运行：%(before)s 之前结案的纠纷中，"
                "有 %(disputes)d 件纠纷的 %(parties)d 名当事人待匿名化"
            )
            if dry_run
            else _("已匿名化 %(before)s 之前结案的 %(disputes)d 件纠纷的 %(parties)d 名当事人")
        )
        self.stdout.write(
            self.style.SUCCESS(
                summary % {"before": before, "disputes": done.disputes, "parties": done.parties}
            )
        )

    def reindex(self) -> None:
        changed = party_digests_reindex()
        self.stdout.write(self.style.SUCCESS(_("已更新 %(n)d 名当事人的查询摘要") % {"n": changed}))
