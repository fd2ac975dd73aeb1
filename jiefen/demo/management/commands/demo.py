"""`jiefen demo`: load the demo (Shaoxing's real divisions, bodies, accounts); safe to repeat."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from jiefen.demo.mediators import demo_load_mediators
from jiefen.demo.services import PASSWORD, demo_load_foundation


class Command(BaseCommand):
    # The system checks belong to runserver and migrate; without them a command starts at once.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # argparse needs a real string, so translate when the parser is made.
        self.help = _("载入演示数据（绍兴市的真实区划、调处主体和演示账号）；可重复运行")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--disputes",
            type=int,
            default=100_000,
            help=_("生成的演示纠纷数（0 表示不生成）"),
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help=_("只载入区划、调处主体和账号（几秒钟），纠纷留待 --finish 在后台生成"),
        )
        parser.add_argument(
            "--finish",
            action="store_true",
            help=_("分批生成 --background 计划的纠纷，网站照常使用；中断后再次运行从断点继续"),
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["finish"]:
            self.finish()
            return
        result = demo_load_foundation()
        regions = result.regions
        self.stdout.write(
            _("行政区划：新增 %(added)d，更新 %(updated)d，未变 %(unchanged)d")
            % {
                "added": regions.added,
                "updated": regions.updated,
                "unchanged": regions.unchanged,
            }
        )
        self.stdout.write(
            _(
                "乡镇类别和人口：设定 %(towns)d 个；部门类型：新增 %(types)d；"
                "调处主体：新增 %(bodies)d；演示账号：新增 %(accounts)d，任职：新增 %(roles)d"
            )
            % {
                "towns": result.towns_classified,
                "types": result.department_types_added,
                "bodies": result.bodies_added,
                "accounts": result.accounts_added,
                "roles": result.memberships_added,
            }
        )
        mediators, entries = demo_load_mediators()
        self.stdout.write(
            _("调解员：新增 %(mediators)d；归口目录：新增 %(entries)d")
            % {"mediators": mediators, "entries": entries}
        )
        count = int(options["disputes"])  # type: ignore[call-overload]
        if options["background"]:
            self.plan(count)
        else:
            self.load_disputes(count)
        self.load_evaluation()
        from jiefen.demo.signing import demo_signing

        demo_signing(self.stdout)
        if not result.changed and not (mediators or entries):
            self.stdout.write(_("演示数据已是最新，没有改动。"))
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(_("演示账号（密码均为 %(password)s）：") % {"password": PASSWORD})
        )
        width = max(len(account.username) for account in result.accounts)
        for account in result.accounts:
            self.stdout.write(
                f"  {account.username:<{width}}  {PASSWORD}  {account.full_name}  {account.what}"
            )

    def plan(self, count: int) -> None:
        from jiefen.demo.background import load_plan

        load = load_plan(count=count)
        if load is None:
            return
        if load.finished_at is not None:
            self.stdout.write(
                _("演示纠纷已全部生成（%(count)s 件）") % {"count": f"{load.count:,}"}
            )
        else:
            self.stdout.write(
                _("演示纠纷将在后台生成：已生成 %(done)s / %(count)s 件（jiefen demo --finish）")
                % {"done": f"{load.written:,}", "count": f"{load.count:,}"}
            )

    def finish(self) -> None:
        """The planned disputes, in short batches while the site serves; resumes."""
        import time

        from jiefen.demo.background import load_run

        began = time.monotonic()
        step = {"next": 0}

        def progress(done: int, total: int) -> None:
            if done == total or done >= step["next"]:
                step["next"] = done + 10000
                self.stdout.write(
                    _("纠纷：%(done)s / %(total)s（%(seconds).0f 秒）")
                    % {
                        "done": f"{done:,}",
                        "total": f"{total:,}",
                        "seconds": time.monotonic() - began,
                    }
                )
                self.stdout.flush()

        load = load_run(progress=progress)
        if load is None:
            self.stdout.write(_("没有待生成的演示纠纷。"))
            return
        self.stdout.write(
            self.style.SUCCESS(
                _("演示纠纷已全部生成：%(count)s 件，本次用时 %(seconds).1f 秒")
                % {"count": f"{load.count:,}", "seconds": time.monotonic() - began}
            )
        )

    def load_evaluation(self) -> None:
        """Last year's safe-township scheme, scores, budgets and a manual indicator."""
        from django.utils import timezone

        from jiefen.evaluation.demo import seed

        year = timezone.localdate().year - 1
        seed(year)
        self.stdout.write(_("考核评价：%(year)d 年度方案与示例数据已就绪") % {"year": year})

    def load_disputes(self, count: int) -> None:
        """About two years of synthetic disputes, once; then the rollups behind the figures."""
        import time

        from jiefen.demo.models import DemoLoad
        from jiefen.demo.synthetic import demo_disputes
        from jiefen.metrics.rollups import rollups_rebuild

        if DemoLoad.objects.filter(finished_at=None).exists():
            self.finish()  # a background load was planned: finish it rather than start anew
            return
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            if done == total or done % 20000 == 0:
                self.stdout.write(_("纠纷：%(done)d / %(total)d") % {"done": done, "total": total})

        generated = demo_disputes(count=count, progress=progress)
        if generated is None:
            return
        rollups_rebuild()
        # The search index too: the rows bypassed the services that keep it.
        from jiefen.search.index import index_rebuild

        def indexed(done: int, total: int) -> None:
            if done == total or done % 20000 == 0:
                self.stdout.write(
                    _("检索索引：%(done)d / %(total)d") % {"done": done, "total": total}
                )

        index_rebuild(progress=indexed)
        self.stdout.write(
            _("演示纠纷已生成，用时 %(seconds).1f 秒") % {"seconds": time.monotonic() - started}
        )
