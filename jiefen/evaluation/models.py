"""Evaluation (考核评价) as data: targets per indicator × region level × year, the safe-township
scheme with its criteria and the office's scores and vetoes, the yearly targets for the share
of towns at each rating, budget figures, and manual indicators with the bodies' reports.

Validation lives in `clean()` so the admin, the forms and the services give the same messages;
writes go through services.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.org.models import Body, BodyKind
from jiefen.regions.models import Level, Region

HUNDRED = Decimal(100)


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("不低于")
    AT_MOST = "at_most", _("不高于")
    FALL = "fall", _("同比下降")


class Frequency(models.TextChoices):
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    YEAR = "year", _("每年")


class Unit(models.TextChoices):
    PERCENT = "percent", _("百分比（%）")
    NUMBER = "number", _("数值")


class Rating(models.IntegerChoices):
    NOT_MET = 0, _("未达标")
    BASIC = 1, _("达标")
    LEVEL_2 = 2, _("二级（二星）")
    LEVEL_1 = 3, _("一级")


MANUAL_PREFIX = "manual:"


def _check_value(value: Decimal | None, direction: str, percent: bool) -> None:
    if direction == Direction.FALL:
        if value is not None:
            raise ValidationError({"value": _("“同比下降”的目标不填数值。")})
        return
    if value is None:
        raise ValidationError({"value": _("请填写目标值。")})
    if percent and not (0 <= value <= HUNDRED):
        raise ValidationError({"value": _("比率目标必须在 0% 到 100% 之间。")})


class Target(models.Model):
    """The target of one indicator for every region of one level in one year. A rate's value
    is a percentage (92 = 92%)."""

    indicator = models.CharField(_("指标"), max_length=80)
    level = models.PositiveSmallIntegerField(_("区划层级"), choices=Level.choices)
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    value = models.DecimalField(_("目标值"), max_digits=12, decimal_places=2, null=True, blank=True)
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改人"),
    )
    changed_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("考核目标")
        verbose_name_plural = _("考核目标")
        ordering = ["indicator", "level", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "level", "year"], name="one_target_per_indicator_level_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.get_level_display()} · {self.year}"

    def clean(self) -> None:
        from jiefen.evaluation.targets import (
            indicator_choices,
            information_only_problem,
            is_percent,
        )

        refused = information_only_problem(self.indicator)
        if refused:
            raise ValidationError({"indicator": refused})
        if self.indicator not in dict(indicator_choices()):
            raise ValidationError({"indicator": _("没有这个指标。")})
        if self.direction:
            _check_value(self.value, self.direction, is_percent(self.indicator))


class Scheme(models.Model):
    """The safe-township (平安乡镇) evaluation scheme of one year, set by a city or county for
    the towns below it. Thresholds are weighted scores out of 100."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("制定单位区划")
    )
    region_code = models.BigIntegerField(_("区划代码"), editable=False, db_index=True)
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    name = models.CharField(_("名称"), max_length=100)
    basic_min = models.DecimalField(_("达标分数线"), max_digits=5, decimal_places=2)
    level2_min = models.DecimalField(_("二级分数线"), max_digits=5, decimal_places=2)
    level1_min = models.DecimalField(_("一级分数线"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("平安乡镇考核方案")
        verbose_name_plural = _("平安乡镇考核方案")
        ordering = ["-year", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="one_scheme_per_region_year")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.region_code = self.region_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.region_id and self.region.level not in (Level.PROVINCE, Level.CITY, Level.COUNTY):
            raise ValidationError({"region": _("考核方案由省、市或县级制定。")})
        marks = (self.basic_min, self.level2_min, self.level1_min)
        if any(m is None for m in marks):
            return
        if any(not (0 <= m <= HUNDRED) for m in marks):
            raise ValidationError(_("分数线必须在 0 到 100 之间。"))
        if not (self.basic_min < self.level2_min < self.level1_min):
            raise ValidationError(_("分数线须依次升高：达标 < 二级 < 一级。"))


class CriterionKind(models.TextChoices):
    INDICATOR = "indicator", _("指标计算")
    SCORED = "scored", _("考核办评分")
    VETO_MASS = "veto_mass", _("一票否决：年末有未化解的群体性纠纷（10人以上）")
    VETO_RECORDED = "veto_recorded", _("一票否决：考核办认定")


VETO_KINDS = (CriterionKind.VETO_MASS, CriterionKind.VETO_RECORDED)


class Criterion(models.Model):
    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("方案")
    )
    name = models.CharField(_("考核项目"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=CriterionKind.choices)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2, default=Decimal(0))
    indicator = models.CharField(_("指标"), max_length=80, blank=True)
    cap = models.PositiveSmallIntegerField(
        _("否决后最高评定"), choices=Rating.choices, default=Rating.NOT_MET
    )
    description = models.TextField(_("评分说明"), blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("考核项目")
        verbose_name_plural = _("考核项目")
        ordering = ["scheme", "sort", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_veto(self) -> bool:
        return self.kind in VETO_KINDS

    def clean(self) -> None:
        from jiefen.evaluation.targets import indicator_choices, information_only_problem

        refused = information_only_problem(self.indicator)
        if refused:
            raise ValidationError({"indicator": refused})
        if self.is_veto:
            if self.weight:
                raise ValidationError({"weight": _("否决项不计权重，请填 0。")})
        elif self.weight is not None and self.weight <= 0:
            raise ValidationError({"weight": _("计分项的权重必须大于 0。")})
        if self.kind == CriterionKind.INDICATOR:
            if self.indicator not in dict(indicator_choices(with_target_only=True)):
                raise ValidationError({"indicator": _("请选择一个设有目标的指标。")})
        elif self.indicator:
            raise ValidationError({"indicator": _("只有“指标计算”类项目才关联指标。")})


class Assessment(models.Model):
    """The office's score of a scored criterion, or its finding on a recorded veto, for one
    town. A correction overwrites it and moves `by`/`at`; `history` keeps every earlier
    version (score, veto, evidence, who, when)."""

    criterion = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("考核项目")
    )
    town = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇")
    )
    region_code = models.BigIntegerField(_("区划代码"), editable=False, db_index=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    vetoed = models.BooleanField(_("否决"), default=False)
    evidence = models.TextField(_("依据"), blank=True)
    reference = models.CharField(_("链接或文号"), max_length=300, blank=True)
    comment = models.TextField(_("评语"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评分人"),
    )
    at = models.DateTimeField(_("评分时间"))
    history = models.JSONField(_("修改记录"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("考核评分")
        verbose_name_plural = _("考核评分")
        constraints = [
            models.UniqueConstraint(fields=["criterion", "town"], name="one_assessment_per_town")
        ]

    def __str__(self) -> str:
        return f"{self.criterion} · {self.town}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.region_code = self.town_id
        super().save(*args, **kwargs)


class ShareTarget(models.Model):
    """A yearly target for the share of towns rated at `rating` or above, in a city or
    county. A county without its own target uses its city's."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("区划")
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    rating = models.PositiveSmallIntegerField(
        _("评定等级（含以上）"),
        choices=[(r.value, r.label) for r in Rating if r != Rating.NOT_MET],
    )
    share = models.DecimalField(_("目标占比（%）"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("乡镇等级占比目标")
        verbose_name_plural = _("乡镇等级占比目标")
        ordering = ["region", "-year", "rating"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "rating"], name="one_share_target_per_rating"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region} · {self.year} · {self.get_rating_display()}"

    def clean(self) -> None:
        if self.share is not None and not (0 <= self.share <= HUNDRED):
            raise ValidationError({"share": _("占比必须在 0% 到 100% 之间。")})
        if self.region_id and self.region.level not in (Level.CITY, Level.COUNTY):
            raise ValidationError({"region": _("占比目标只能为市或县设定。")})


class BudgetFigure(models.Model):
    """The dispute-resolution budget and resident population of a city or county in a year,
    as entered by an administrator."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("区划")
    )
    region_code = models.BigIntegerField(_("区划代码"), editable=False, db_index=True)
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    budget = models.DecimalField(_("经费（元）"), max_digits=14, decimal_places=2)
    population = models.PositiveIntegerField(_("常住人口"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("填报人"),
    )
    entered_at = models.DateTimeField(_("填报时间"))
    history = models.JSONField(_("修改记录"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("经费保障")
        verbose_name_plural = _("经费保障")
        ordering = ["region_code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="one_budget_per_region_year")
        ]

    def __str__(self) -> str:
        return f"{self.region} · {self.year}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.region_code = self.region_id
        super().save(*args, **kwargs)


class ManualIndicator(models.Model):
    """An indicator the system cannot compute, reported by bodies of one kind (e.g. coverage
    of safe-community campaigns, reported by each village group every quarter)."""

    key = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    unit = models.CharField(_("单位"), max_length=10, choices=Unit.choices)
    body_kind = models.CharField(_("报送主体"), max_length=20, choices=BodyKind.choices)
    frequency = models.CharField(_("报送频次"), max_length=10, choices=Frequency.choices)
    target_value = models.DecimalField(
        _("目标值"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices)
    description = models.TextField(_("口径说明"), blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("手工填报指标")
        verbose_name_plural = _("手工填报指标")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def indicator_key(self) -> str:
        return MANUAL_PREFIX + self.key

    @property
    def percent(self) -> bool:
        return self.unit == Unit.PERCENT

    def clean(self) -> None:
        if self.direction:
            try:
                _check_value(self.target_value, self.direction, self.percent)
            except ValidationError as error:
                raise ValidationError({"target_value": error.message_dict["value"]}) from None


class ManualReport(models.Model):
    """One body's value of a manual indicator for one period (identified by its first day)."""

    indicator = models.ForeignKey(
        ManualIndicator, on_delete=models.PROTECT, related_name="reports", verbose_name=_("指标")
    )
    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="+", verbose_name=_("报送主体")
    )
    region_code = models.BigIntegerField(_("区划代码"), editable=False, db_index=True)
    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止"))
    value = models.DecimalField(_("数值"), max_digits=12, decimal_places=2)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("填报人"),
    )
    at = models.DateTimeField(_("填报时间"))

    class Meta:
        verbose_name = _("指标填报")
        verbose_name_plural = _("指标填报")
        ordering = ["-period_start", "region_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "body", "period_start"], name="one_report_per_body_period"
            )
        ]
        indexes = [models.Index(fields=["indicator", "period_start", "region_code"])]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.body} · {self.period_start}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.region_code = self.body.region_code
        super().save(*args, **kwargs)


class ManualReportRevision(models.Model):
    """Every value a report has held, with who entered it and when: corrections keep history."""

    report = models.ForeignKey(
        ManualReport, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("填报")
    )
    value = models.DecimalField(_("数值"), max_digits=12, decimal_places=2)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("填报人"),
    )
    at = models.DateTimeField(_("填报时间"))

    class Meta:
        verbose_name = _("填报修改记录")
        verbose_name_plural = _("填报修改记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.report} · {self.at:%Y-%m-%d %H:%M}"
