"""Demo evaluation data for Shaoxing: the year's safe-township scheme with its criteria, share
targets, some office scores, budget figures and a manual indicator with some reports. Run after
the demo foundation (regions, bodies, accounts) is loaded; running it again changes nothing."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Sum

from jiefen.accounts.models import User
from jiefen.evaluation.models import (
    Assessment,
    BudgetFigure,
    Criterion,
    CriterionKind,
    ManualIndicator,
    ManualReport,
    ManualReportRevision,
    Rating,
    Scheme,
    ShareTarget,
)
from jiefen.metrics.indicators import SCORED
from jiefen.metrics.periods import Period
from jiefen.org.models import Body, BodyKind
from jiefen.regions.models import Level, Region

SHAOXING = 330600000000
ZHUJI = 330681000000
SHANGHAI = ZoneInfo("Asia/Shanghai")

# Only honest indicators are scored (metrics.indicators): the number of mass disputes is shown
# with its trend on the dashboard, never scored — a town would gain by registering fewer.
CRITERIA = [
    ("调处率", CriterionKind.INDICATOR, 20, "mediation_rate", Rating.NOT_MET),
    ("调处成功率", CriterionKind.INDICATOR, 20, "success_rate", Rating.NOT_MET),
    ("群众满意率", CriterionKind.INDICATOR, 20, "satisfaction", Rating.NOT_MET),
    ("按时办理率", CriterionKind.INDICATOR, 10, "on_time_rate", Rating.NOT_MET),
    ("平安建设工作落实", CriterionKind.SCORED, 30, "", Rating.NOT_MET),
    ("年末有未化解的群体性纠纷", CriterionKind.VETO_MASS, 0, "", Rating.NOT_MET),
    ("发生重大安全责任事故", CriterionKind.VETO_RECORDED, 0, "", Rating.BASIC),
]
SHARES = {Rating.BASIC: Decimal(90), Rating.LEVEL_2: Decimal(50), Rating.LEVEL_1: Decimal(20)}


def _actor(username: str) -> User:
    user = User.objects.filter(username=username).first()
    return user or User.objects.filter(is_superuser=True).order_by("pk").first()  # type: ignore[return-value]


def _population(region: Region) -> int:
    total = Region.objects.filter(level=Level.TOWN, code__range=region.span).aggregate(
        n=Sum("population")
    )["n"]
    return int(total or region.population or 800_000)


@transaction.atomic
def seed(year: int) -> None:
    city = Region.objects.get(code=SHAOXING)
    evaluator, admin = _actor("evaluator"), _actor("admin")
    moment = datetime.combine(date(year, 1, 15), time(10), tzinfo=SHANGHAI)

    scheme, _ = Scheme.objects.get_or_create(
        region=city,
        year=year,
        defaults={
            "name": f"绍兴市{year}年度平安乡镇（街道）考核",
            "basic_min": Decimal(60),
            "level2_min": Decimal(80),
            "level1_min": Decimal(90),
        },
    )
    for sort, (name, kind, weight, indicator, cap) in enumerate(CRITERIA, start=1):
        Criterion.objects.get_or_create(
            scheme=scheme,
            name=name,
            defaults={"kind": kind, "weight": Decimal(weight), "indicator": indicator,
                      "cap": cap, "sort": sort},
        )  # fmt: skip
    # A scheme loaded by an earlier demo scored the number of mass disputes: no longer.
    scheme.criteria.filter(kind=CriterionKind.INDICATOR).exclude(indicator__in=SCORED).delete()
    for rating, share in SHARES.items():
        ShareTarget.objects.get_or_create(
            region=city, year=year, rating=rating, defaults={"share": share}
        )

    # Office scores for the towns of Zhuji: most do well, a few less so; one recorded veto.
    work = scheme.criteria.get(kind=CriterionKind.SCORED)
    veto = scheme.criteria.get(kind=CriterionKind.VETO_RECORDED)
    towns = list(Region.objects.filter(level=Level.TOWN, code__range=(ZHUJI, ZHUJI + 999_999)))
    for i, town in enumerate(towns):
        Assessment.objects.get_or_create(
            criterion=work,
            town=town,
            defaults={"score": Decimal(96 - (i * 7) % 40), "evidence": "年度平安建设台账抽查",
                      "comment": "", "by": evaluator, "at": moment},
        )  # fmt: skip
    if len(towns) > 3:
        Assessment.objects.get_or_create(
            criterion=veto,
            town=towns[3],
            defaults={"vetoed": True, "evidence": "辖区发生一起较大安全生产责任事故",
                      "reference": f"绍安委〔{year}〕12号", "by": evaluator, "at": moment},
        )  # fmt: skip

    # Budget figures: the city meets its 1.00 yuan; counties around 0.50–1.00 yuan, one short.
    per_resident = [Decimal("0.80"), Decimal("0.55"), Decimal("1.00"), Decimal("0.45"),
                    Decimal("0.70"), Decimal("0.62")]  # fmt: skip
    units = [city, *Region.objects.filter(level=Level.COUNTY, code__range=city.span)]
    for i, unit in enumerate(units):
        people = _population(unit)
        rate = Decimal("1.05") if unit.level == Level.CITY else per_resident[i % 6]
        BudgetFigure.objects.get_or_create(
            region=unit,
            year=year,
            defaults={"budget": (rate * people).quantize(Decimal("1")), "population": people,
                      "entered_by": admin, "entered_at": moment},
        )  # fmt: skip

    # A quarterly manual indicator reported by village groups; some in Fengqiao have reported.
    coverage, _ = ManualIndicator.objects.get_or_create(
        key="safe-community",
        defaults={
            "name": "平安村（社区）创建覆盖率",
            "unit": "percent",
            "body_kind": BodyKind.VILLAGE_GROUP,
            "frequency": "quarter",
            "target_value": Decimal(90),
            "direction": "at_least",
            "description": "已达到平安村（社区）创建标准的网格数 ÷ 网格总数。",
        },
    )
    period = Period.containing("quarter", date(year, 1, 1))
    groups = Body.objects.filter(
        kind=BodyKind.VILLAGE_GROUP, region_code__range=(330681109000, 330681109999)
    ).order_by("region_code")
    for i, group in enumerate(groups[: max(1, groups.count() * 2 // 3)]):
        value = Decimal(84 + (i * 5) % 16)
        report, created = ManualReport.objects.get_or_create(
            indicator=coverage,
            body=group,
            period_start=period.start,
            defaults={"period_end": period.end, "value": value, "by": admin, "at": moment},
        )
        if created:
            ManualReportRevision.objects.create(report=report, value=value, by=admin, at=moment)
