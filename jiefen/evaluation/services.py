"""Writes of the evaluation office and the bodies: scores and vetoes, budget figures, manual
indicator reports. Each checks the actor's right, validates everything before writing, locks
the row it corrects and keeps the earlier version (who, when, what)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.evaluation.models import (
    HUNDRED,
    Assessment,
    BudgetFigure,
    Criterion,
    CriterionKind,
    ManualIndicator,
    ManualReport,
    ManualReportRevision,
)
from jiefen.evaluation.selectors import may_enter_budget, may_score, scheme_for
from jiefen.metrics.periods import Period
from jiefen.org.models import Body
from jiefen.regions.models import Level, Region


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("请填写一个数字。")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("请填写一个数字。")})
    return number


def _who(user: Any) -> str:
    return getattr(user, "username", "") or str(user)


def assessment_record(
    *,
    actor: Any,
    criterion: Criterion,
    town: Region,
    score: Any = None,
    vetoed: bool = False,
    evidence: str = "",
    reference: str = "",
    comment: str = "",
    at: datetime | None = None,
) -> Assessment:
    """The office scores a scored criterion, or records (or lifts) a veto, for one town."""
    if not may_score(actor, town):
        raise PermissionDenied
    if town.level != Level.TOWN or scheme_for(town, criterion.scheme.year) != criterion.scheme:
        raise ValidationError(_("该考核项目不适用于这个乡镇。"))
    evidence, reference, comment = evidence.strip(), reference.strip(), comment.strip()
    number: Decimal | None = None
    if criterion.kind == CriterionKind.SCORED:
        if score in (None, ""):
            raise ValidationError({"score": _("请填写得分。")})
        number = _decimal(score, "score")
        if not (0 <= number <= HUNDRED):
            raise ValidationError({"score": _("得分必须在 0 到 100 之间。")})
        vetoed = False
    elif criterion.kind == CriterionKind.VETO_RECORDED:
        if score not in (None, ""):
            raise ValidationError({"score": _("否决项不打分。")})
    else:
        raise ValidationError(_("该项目由系统计算，不能人工评分。"))
    if not evidence and not reference:
        raise ValidationError({"evidence": _("请填写依据（说明、链接或文号至少一项）。")})
    now = at or timezone.now()
    with transaction.atomic():
        existing = (
            Assessment.objects.select_for_update().filter(criterion=criterion, town=town).first()
        )
        if existing is None:
            existing = Assessment(criterion=criterion, town=town)
        else:
            existing.history = [
                *existing.history,
                {
                    "score": None if existing.score is None else str(existing.score),
                    "vetoed": existing.vetoed,
                    "evidence": existing.evidence,
                    "reference": existing.reference,
                    "comment": existing.comment,
                    "by": _who(existing.by),
                    "at": existing.at.isoformat(),
                },
            ]
        existing.score = number
        existing.vetoed = vetoed
        existing.evidence, existing.reference, existing.comment = evidence, reference, comment
        existing.by, existing.at = actor, now
        existing.save()
    return existing


def budget_enter(
    *,
    actor: Any,
    region: Region,
    year: Any,
    budget: Any,
    population: Any,
    at: datetime | None = None,
) -> BudgetFigure:
    """An administrator enters (or corrects) a city's or county's budget and population."""
    if not may_enter_budget(actor, region):
        raise PermissionDenied
    if region.level not in (Level.CITY, Level.COUNTY):
        raise ValidationError({"region": _("经费只按市、县填报。")})
    now = at or timezone.now()
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("请填写年度。")}) from None
    if not (2000 <= year <= timezone.localdate(now).year + 1):
        raise ValidationError({"year": _("年度不在可填报的范围内。")})
    amount = _decimal(budget, "budget")
    if amount < 0:
        raise ValidationError({"budget": _("经费不能为负数。")})
    if amount >= Decimal("1e12"):
        raise ValidationError({"budget": _("经费数额过大，请核对单位（元）。")})
    try:
        people = int(population)
    except (TypeError, ValueError):
        raise ValidationError({"population": _("请填写常住人口（整数）。")}) from None
    if people <= 0:
        raise ValidationError({"population": _("常住人口必须大于 0。")})
    with transaction.atomic():
        figure = BudgetFigure.objects.select_for_update().filter(region=region, year=year).first()
        if figure is None:
            figure = BudgetFigure(region=region, year=year)
        else:
            figure.history = [
                *figure.history,
                {
                    "budget": str(figure.budget),
                    "population": figure.population,
                    "by": _who(figure.entered_by),
                    "at": figure.entered_at.isoformat(),
                },
            ]
        figure.budget, figure.population = amount, people
        figure.entered_by, figure.entered_at = actor, now
        figure.save()
    return figure


def report_periods(indicator: ManualIndicator, today: date) -> list[Period]:
    """The periods a body may report for: the current one and the previous one (late reports
    and corrections)."""
    current = Period.containing(indicator.frequency, today)
    return [current, current.previous()]


def manual_report(
    *,
    actor: Any,
    indicator: ManualIndicator,
    body: Body,
    period_start: date,
    value: Any,
    note: str = "",
    at: datetime | None = None,
) -> ManualReport:
    """A body's staff report (or correct) the body's value for one period."""
    if not body.active or not body.memberships.filter(user=actor).exists():
        raise PermissionDenied
    if not indicator.active or indicator.body_kind != body.kind:
        raise ValidationError({"indicator": _("该指标不由本单位填报。")})
    now = at or timezone.now()
    allowed = {p.start: p for p in report_periods(indicator, timezone.localdate(now))}
    if period_start not in allowed:
        raise ValidationError({"period": _("只能填报本期或上一期。")})
    number = _decimal(value, "value")
    if number < 0:
        raise ValidationError({"value": _("数值不能为负数。")})
    if indicator.percent and number > HUNDRED:
        raise ValidationError({"value": _("百分比必须在 0 到 100 之间。")})
    if number >= Decimal("1e10"):
        raise ValidationError({"value": _("数值过大。")})
    period = allowed[period_start]
    note = note.strip()[:300]
    with transaction.atomic():
        report = (
            ManualReport.objects.select_for_update()
            .filter(indicator=indicator, body=body, period_start=period.start)
            .first()
        )
        if report is None:
            report = ManualReport(
                indicator=indicator, body=body, period_start=period.start, period_end=period.end
            )
        report.value, report.note, report.by, report.at = number, note, actor, now
        report.save()
        ManualReportRevision.objects.create(
            report=report, value=number, note=note, by=actor, at=now
        )
    return report
