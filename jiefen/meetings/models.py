"""Meetings, screening returns and circulars: the rhythm of follow-up.

- A MeetingSeries is a body's recurring meeting (the town centre's half-monthly analysis
  meeting, the county joint meeting's monthly meeting); it generates Meeting rows on working
  days. A meeting's agenda is built from the data and kept as JSON (machine keys and ids,
  words rendered when shown); once held it has a chair, attendance, minutes and Decisions, each
  recorded together with its effect on a dispute.
- A ScreeningReturn is a village body's report for a period: the disputes it found (each
  registered through the dispute services) or a nil return.
- A Circular is a frozen periodic report: its figures as JSON and the Word and Excel files as
  generated, so that it reprints byte for byte.

Leaders' reception days are the receptions app's.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Dispute
from jiefen.org.models import Body


class Cadence(models.TextChoices):
    HALF = "half", _("每半月")
    MONTH = "month", _("每月")


class DayRule(models.TextChoices):
    LAST_WORKING_DAY = "last_working_day", _("期末最后一个工作日")
    DAY = "day", _("期内第 N 天")
    WEEKDAY = "weekday", _("期内第 N 个星期几")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("星期一")
    TUESDAY = 1, _("星期二")
    WEDNESDAY = 2, _("星期三")
    THURSDAY = 3, _("星期四")
    FRIDAY = 4, _("星期五")


class MeetingSeries(models.Model):
    """A body's recurring meeting. The date in each period follows `rule`; a day that is not a
    working day moves to the next working day in the period (or the last one before it)."""

    body = models.OneToOneField(
        Body, on_delete=models.PROTECT, related_name="meeting_series", verbose_name=_("调处主体")
    )
    cadence = models.CharField(_("周期"), max_length=8, choices=Cadence.choices)
    rule = models.CharField(
        _("日期规则"), max_length=20, choices=DayRule.choices, default=DayRule.LAST_WORKING_DAY
    )
    # rule "day": the day of the period (1 = its first day); rule "weekday": which occurrence
    # (1–4, or -1 for the last) of `weekday`.
    day = models.SmallIntegerField(_("第几天/第几个"), default=1)
    weekday = models.PositiveSmallIntegerField(
        _("星期"), choices=Weekday.choices, null=True, blank=True
    )
    starts_at = models.TimeField(_("开始时间"), default="09:00")
    place = models.CharField(_("地点"), max_length=100)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("会议安排")
        verbose_name_plural = _("会议安排")

    def __str__(self) -> str:
        return f"{self.body} · {self.get_cadence_display()}"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("待召开")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


class Meeting(models.Model):
    series = models.ForeignKey(
        MeetingSeries, on_delete=models.PROTECT, related_name="meetings", null=True, blank=True
    )
    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("调处主体")
    )
    # The reporting period the meeting reviews (a half month or a month).
    period_kind = models.CharField(_("周期"), max_length=8, choices=Cadence.choices)
    period_start = models.DateField(_("期初"))
    period_end = models.DateField(_("期末"))
    date = models.DateField(_("会议日期"), db_index=True)
    starts_at = models.TimeField(_("开始时间"))
    place = models.CharField(_("地点"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    agenda = models.JSONField(_("议程"), default=dict, blank=True)
    agenda_built_at = models.DateTimeField(_("议程生成时间"), null=True, blank=True)

    # Set when the meeting is recorded as held.
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    seq = models.PositiveIntegerField(_("期号"), null=True, blank=True)
    held_on = models.DateField(_("召开日期"), null=True, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("主持人"),
    )
    minutes = models.TextField(_("会议纪要"), max_length=20000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["body", "date"], name="meeting_body_date")]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "period_start"],
                condition=models.Q(series__isnull=False),
                name="one_meeting_per_series_period",
            ),
            models.UniqueConstraint(
                fields=["body", "year", "seq"],
                condition=models.Q(seq__isnull=False),
                name="meeting_number_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="held") | models.Q(chair__isnull=False),
                name="held_meeting_has_chair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} {self.date}"

    @property
    def is_county(self) -> bool:
        return self.body.kind == "county_meeting"


class AttendanceKind(models.TextChoices):
    PRESENT = "present", _("出席")
    OBSERVER = "observer", _("列席")
    ABSENT = "absent", _("缺席")


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    kind = models.CharField(_("类别"), max_length=10, choices=AttendanceKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # For people without an account (a department's representative, say): name and unit.
    name = models.CharField(_("姓名"), max_length=50)
    unit = models.CharField(_("单位或职务"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("参会人员")
        verbose_name_plural = _("参会人员")
        ordering = ["meeting", "kind", "id"]

    def __str__(self) -> str:
        return self.name


class DecisionKind(models.TextChoices):
    DEPARTMENT = "department", _("交办牵头部门")
    LEADER = "leader", _("明确包案领导")
    ORDER = "order", _("督办")


class Decision(models.Model):
    """A decision of a held meeting, recorded in the transaction of its effect on the dispute.
    `params` holds what was decided (machine keys and ids); `effect` what the effect wrote
    (the event, ownership or order id)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("类型"), max_length=12, choices=DecisionKind.choices)
    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="+", verbose_name=_("纠纷")
    )
    text = models.TextField(_("决定事项"), max_length=2000)
    params = models.JSONField(_("参数"), default=dict)
    effect = models.JSONField(_("执行结果"), default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("会议决定")
        verbose_name_plural = _("会议决定")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.kind}:{self.dispute_id}"


# --- Screening returns -----------------------------------------------------------------------


class ScreeningReturn(models.Model):
    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="screening_returns", verbose_name=_("报送单位")
    )
    region_code = models.BigIntegerField(_("区划代码"), editable=False)
    period_kind = models.CharField(_("周期"), max_length=8)
    period_start = models.DateField(_("期初"))
    period_end = models.DateField(_("期末"))
    nil = models.BooleanField(_("零报告"), default=False)
    note = models.TextField(_("说明"), max_length=2000, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"))

    class Meta:
        verbose_name = _("排查报送")
        verbose_name_plural = _("排查报送")
        ordering = ["-period_start", "region_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "period_kind", "period_start"], name="one_return_per_period"
            )
        ]
        indexes = [
            models.Index(
                fields=["period_kind", "period_start", "region_code"], name="return_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.body} {self.period_start}"


class ScreeningFinding(models.Model):
    screening_return = models.ForeignKey(
        ScreeningReturn, on_delete=models.CASCADE, related_name="findings"
    )
    dispute = models.OneToOneField(
        Dispute, on_delete=models.PROTECT, related_name="screening_finding"
    )

    class Meta:
        verbose_name = _("排查发现")
        verbose_name_plural = _("排查发现")
        ordering = ["screening_return", "id"]

    def __str__(self) -> str:
        return f"{self.screening_return_id}:{self.dispute_id}"


class ScreeningReminder(models.Model):
    """A reminder to a village body that has not returned a period by its end; at most one
    per body and period, whoever runs the sweep and however often."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="+")
    region_code = models.BigIntegerField(_("区划代码"), editable=False)
    period_kind = models.CharField(_("周期"), max_length=8)
    period_start = models.DateField(_("期初"))
    period_end = models.DateField(_("期末"))
    created_at = models.DateTimeField(_("提醒时间"))

    class Meta:
        verbose_name = _("排查报送提醒")
        verbose_name_plural = _("排查报送提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "period_kind", "period_start"], name="one_reminder_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.body_id} {self.period_start}"


# --- Circulars -------------------------------------------------------------------------------


class Circular(models.Model):
    """A generated circular, frozen: its figures and its files never change after generation."""

    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="circulars", verbose_name=_("通报单位")
    )
    region_code = models.BigIntegerField(_("区划代码"), editable=False)
    period_kind = models.CharField(_("周期"), max_length=8, choices=Cadence.choices)
    period_start = models.DateField(_("期初"))
    period_end = models.DateField(_("期末"))
    year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("期号"))
    generated_at = models.DateTimeField(_("生成时间"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    figures = models.JSONField(_("数据"))
    docx = models.BinaryField(_("Word 文件"))
    xlsx = models.BinaryField(_("Excel 文件"))
    seconds = models.FloatField(_("生成用时（秒）"), default=0)

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "period_kind", "period_start"], name="one_circular_per_period"
            ),
            models.UniqueConstraint(fields=["body", "year", "seq"], name="circular_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.body} {self.period_start}"
