"""`jiefen audit verify` walks the hash chain and reports the first broken record (exit 1);
`jiefen audit prune` removes records past JIEFEN_AUDIT_RETENTION_DAYS, keeping a checkpoint."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jiefen.audit import chain


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    help = _("审计日志：verify 校验哈希链；prune 按保留期剪除旧记录")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("verify", help=_("从检查点起逐条校验整条链"))
        sub.add_parser("prune", help=_("剪除超过保留期的记录（可重复运行）"))

    def handle(self, *args: Any, what: str, **options: Any) -> None:
        if what == "verify":
            outcome = chain.verify()
            if not outcome.ok:
                raise CommandError(
                    _("审计链校验失败：%(message)s（已校验 %(checked)d 条）")
                    % {"message": outcome.message, "checked": outcome.checked},
                    returncode=1,
                )
            self.stdout.write(
                _("审计链完好：%(checked)d 条记录，最后一条 #%(seq)d，摘要 %(hash)s")
                % {"checked": outcome.checked, "seq": outcome.last_seq, "hash": outcome.last_hash}
            )
            if outcome.unused_ids:
                self.stdout.write(
                    _(
                        "另有 %(count)d 个记录编号未被使用（回滚的写入，或封存前被删除的记录；"
                        "PostgreSQL 上两者无法区分）"
                    )
                    % {"count": outcome.unused_ids}
                )
        else:
            try:
                removed = chain.prune()
            except (ImproperlyConfigured, ValueError) as error:
                raise CommandError(str(error), returncode=1) from None
            self.stdout.write(
                _("已剪除 %(count)d 条超过保留期（%(days)d 天）的审计记录")
                % {"count": removed, "days": chain.retention_days()}
            )
