"""Rollups: the summary tables every KPI figure is read from.

Each table is kept at every level of the division tree (province, city, county, town, village):
a row's `region_code` is the dispute's region code truncated to that level's digits, so the
figures of any region are the rows of one (level, code) and those of its sub-units the rows of
the next level inside its code span — a few hundred rows for a year, whatever the number of
disputes. Rows are keyed by the dispute's region (where it arose), like every jurisdiction
filter.

They are written in the transaction of the event that changes them (rollups.rollup_event),
rebuilt from the dispute, event and level-stay tables by rollups.rollups_rebuild, and compared
with a raw aggregate by rollups.rollups_check. The meaning of each column is in rollups.py.
"""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


def _count(verbose: Any) -> models.IntegerField:
    # A database default, so that the upserts need only name the columns they change.
    return models.IntegerField(verbose, default=0, db_default=0)


class Tally(models.Model):
    """Counts per region and local day. `open_delta` and `overdue_delta` are differences:
    the number of open (overdue) disputes at the end of day D is their sum over days ≤ D."""

    level = models.PositiveSmallIntegerField(_("层级"))
    region_code = models.BigIntegerField(_("区划代码"))
    day = models.DateField(_("日期"))
    received = _count(_("登记"))
    mass = _count(_("群体性纠纷登记"))
    accepted = _count(_("受理"))
    resolved = _count(_("办结"))
    agreed = _count(_("达成协议办结"))
    village_registered_resolved = _count(_("村级登记的办结"))
    kept_in_village = _count(_("村级登记且在村级办结"))
    at_or_below_town = _count(_("在乡镇及以下办结"))
    ratings = _count(_("评价"))
    ratings_good = _count(_("满意评价（4–5分）"))
    reopened = _count(_("重启"))
    closed = _count(_("结案"))
    open_delta = _count(_("在办增减"))
    overdue_delta = _count(_("超期增减"))

    class Meta:
        verbose_name = _("每日统计")
        verbose_name_plural = _("每日统计")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "region_code", "day"], name="tally_level_region_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level}:{self.region_code}:{self.day}"


class CategoryTally(models.Model):
    """Disputes registered per region, local day and category: the category mix."""

    level = models.PositiveSmallIntegerField(_("层级"))
    region_code = models.BigIntegerField(_("区划代码"))
    day = models.DateField(_("日期"))
    category_id = models.BigIntegerField(_("类别"))
    received = _count(_("登记"))

    class Meta:
        verbose_name = _("每日类别统计")
        verbose_name_plural = _("每日类别统计")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "region_code", "day", "category_id"],
                name="category_tally_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.level}:{self.region_code}:{self.day}:{self.category_id}"


class DeadlineTally(models.Model):
    """Level deadlines (one per level stay with a due date) per region, due date and tier:
    met (left by the due date), late (left after it) and still open."""

    level = models.PositiveSmallIntegerField(_("层级"))
    region_code = models.BigIntegerField(_("区划代码"))
    due_day = models.DateField(_("时限"))
    tier = models.CharField(_("办理层级"), max_length=10)
    met = _count(_("按时"))
    late = _count(_("超时"))
    pending = _count(_("未离开本级"))

    class Meta:
        verbose_name = _("层级时限统计")
        verbose_name_plural = _("层级时限统计")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "region_code", "due_day", "tier"], name="deadline_tally_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level}:{self.region_code}:{self.due_day}:{self.tier}"


class MediationTally(models.Model):
    """Disputes per region by the day they were accepted and the day mediation started (the
    first session or resolution): the mediation rate needs both days."""

    level = models.PositiveSmallIntegerField(_("层级"))
    region_code = models.BigIntegerField(_("区划代码"))
    accepted_day = models.DateField(_("受理日期"))
    mediated_day = models.DateField(_("开始调解日期"))
    n = _count(_("件数"))

    class Meta:
        verbose_name = _("调处统计")
        verbose_name_plural = _("调处统计")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "region_code", "accepted_day", "mediated_day"],
                name="mediation_tally_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.level}:{self.region_code}:{self.accepted_day}:{self.mediated_day}"


class StayMark(models.Model):
    """What each level stay currently counts for in DeadlineTally (its due date and state),
    so that an event can move a stay's count when its due date or state changes."""

    class State(models.TextChoices):
        MET = "met", _("按时")
        LATE = "late", _("超时")
        PENDING = "pending", _("未离开本级")

    stay_id = models.BigIntegerField(_("层级办理"), primary_key=True)
    dispute_id = models.BigIntegerField(_("纠纷"), db_index=True)
    due_day = models.DateField(_("时限"))
    state = models.CharField(_("状态"), max_length=8, choices=State.choices)

    class Meta:
        verbose_name = _("层级时限标记")
        verbose_name_plural = _("层级时限标记")

    def __str__(self) -> str:
        return f"{self.stay_id}:{self.due_day}:{self.state}"


class WarningReport(models.Model):
    """The early warnings (early_warning.py) of one region over one period, as last computed
    by warning_reports.report_compute in the background, so that a page reads them instead of
    computing them. `as_of` is the day the period was cut at (the period's end or the day of
    computing, whichever is earlier); null while the report is asked for but not computed yet.
    `watermark` is the highest event id when it was computed: a registration or reopening
    inside the region after it makes the report due again."""

    region_code = models.BigIntegerField(_("区划代码"))
    start = models.DateField(_("起"))
    end = models.DateField(_("止"))
    as_of = models.DateField(_("截至"), null=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True)
    watermark = models.BigIntegerField(_("已计入的办理记录"), default=0)
    facts = models.JSONField(_("未研判事项"), default=list)
    total = models.PositiveIntegerField(_("预警数"), default=0)

    class Meta:
        verbose_name = _("预警研判结果")
        verbose_name_plural = _("预警研判结果")
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "start", "end"], name="warning_report_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_code}:{self.start}:{self.end}"


class WarningItem(models.Model):
    """One warning of a report, in the report's order (`rank` from 0): its kind, unit, count,
    list link, the disputes (id and number) and the parameters its words are made from."""

    report = models.ForeignKey(WarningReport, models.CASCADE, related_name="items")
    rank = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("类型"), max_length=10)
    region_code = models.BigIntegerField(_("区划代码"))
    region_name = models.CharField(_("区划名称"), max_length=100)
    count = models.PositiveIntegerField(_("件数"))
    url = models.TextField(_("纠纷列表"))
    params = models.JSONField(_("参数"), default=dict)
    disputes = models.JSONField(_("纠纷"), default=list)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        constraints = [models.UniqueConstraint(fields=["report", "rank"], name="warning_item_rank")]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.rank}:{self.kind}"
