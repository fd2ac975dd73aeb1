"""`jiefen seed --disputes N`: add N synthetic disputes over the last years, ending today."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.demo.agreements import agreement_items_fill
from jiefen.demo.synthetic import disputes_generate, years_back
from jiefen.metrics.rollups import rollups_rebuild
from jiefen.org.models import Body, BodyKind
from jiefen.regions.models import Region

NO_BODIES = gettext_lazy(
    "还没有村（社区）调处工作组，无处登记纠纷。请先运行 jiefen demo 载入区划和调处主体。"
)


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # argparse needs a real string, so translate when the parser is made.
        self.help = _("生成模拟纠纷（含当事人、办理记录、层级办理和时限），用于演示和性能测试")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--disputes", type=int, required=True, help=_("纠纷件数"))
        parser.add_argument("--seed", type=int, default=1, help=_("随机种子（相同种子结果相同）"))
        parser.add_argument("--years", type=int, default=2, help=_("登记时间跨度（年），截至今天"))
        parser.add_argument(
            "--within", default="", help=_("只在该区划内生成，如 3306 或 330681109")
        )

    def handle(self, *args: object, **options: object) -> None:
        count = int(options["disputes"])  # type: ignore[call-overload]
        years = int(options["years"])  # type: ignore[call-overload]
        if count < 1:
            raise CommandError(_("纠纷件数至少为 1"))
        if not 1 <= years <= 20:
            raise CommandError(_("年数应在 1 至 20 之间"))
        within = None
        code = str(options["within"] or "").strip()
        if code:
            if not code.isdigit() or len(code) > 12:
                raise CommandError(_("区划代码应为至多 12 位数字：%(code)s") % {"code": code})
            within = Region.objects.filter(code=int(code.ljust(12, "0"))).first()
            if within is None:
                raise CommandError(_("没有区划 %(code)s") % {"code": code})
        villages = Body.objects.filter(kind=BodyKind.VILLAGE_GROUP, active=True)
        if within is not None:
            villages = villages.filter(region_code__range=within.span)
        if not villages.exists():
            raise CommandError(NO_BODIES)

        today = timezone.localdate()
        start = years_back(today, years)
        began = time.perf_counter()
        self.stdout.write(
            _("生成 %(count)s 件纠纷，登记于 %(start)s 至 %(end)s（种子 %(seed)s）……")
            % {"count": f"{count:,}", "start": start, "end": today, "seed": options["seed"]}
        )

        def progress(done: int, total: int) -> None:
            seconds = time.perf_counter() - began
            self.stdout.write(
                _("  %(done)s / %(total)s（%(seconds).1f 秒）")
                % {"done": f"{done:,}", "total": f"{total:,}", "seconds": seconds}
            )
            self.stdout.flush()

        result = disputes_generate(
            count=count,
            seed=int(options["seed"]),  # type: ignore[call-overload]
            start=start,
            end=today,
            within=within,
            progress=progress,
        )
        agreement_items_fill()
        generated = time.perf_counter() - began
        # The rows bypassed the services, and with them the rollups behind the figures and the
        # search index.
        rollups_rebuild()
        from jiefen.search.index import index_rebuild

        index_rebuild()
        seconds = time.perf_counter() - began
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "完成：纠纷 %(disputes)s 件，当事人 %(parties)s，办理记录 %(events)s，"
                    "层级办理 %(stays)s，调解记录 %(sessions)s，调解协议 %(agreements)s；"
                    "未办结 %(open)s 件。生成用时 %(generated).1f 秒（每秒 %(rate)s 件），"
                    "连同重算统计汇总共 %(seconds).1f 秒。"
                )
                % {
                    **{k: f"{v:,}" for k, v in result.items() if isinstance(v, int)},
                    "generated": generated,
                    "seconds": seconds,
                    "rate": f"{count / generated:,.0f}" if generated else "-",
                }
            )
        )
        if result["staff_added"]:
            self.stdout.write(
                _("为没有登记员或负责人的调处主体添加了 %(n)s 个代办账号（不可登录）。")
                % {"n": f"{result['staff_added']:,}"}
            )
