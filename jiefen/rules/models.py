"""Deadline rules as data: at which level, on what trigger, under which condition, what must be
done within how many working (or calendar) days. The computation lives in services.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    VILLAGE = "village", _("村（社区）")
    TOWN = "town", _("乡镇（街道）")
    COUNTY = "county", _("县级")


class Trigger(models.TextChoices):
    REGISTERED = "registered", _("登记")
    ARRIVED = "arrived", _("移送到达本级")
    ACCEPTED = "accepted", _("受理")
    ASSIGNED = "assigned", _("交办")
    ESCALATION_REQUESTED = "escalation_requested", _("当事人申请上移")
    REVIEW_REQUESTED = "review_requested", _("当事人申请上一级复核")
    AGREEMENT = "agreement", _("达成调解协议")


class Condition(models.TextChoices):
    ALWAYS = "always", _("所有纠纷")
    COMPLEX_OR_CROSS_AREA = "complex_or_cross_area", _("疑难复杂或跨区域")
    NOT_RESOLVED = "not_resolved", _("本级未能化解")
    MAJOR_OR_MASS = "major_or_mass", _("重大或群体性")


class RequiredAction(models.TextChoices):
    TRANSFER = "transfer", _("移送上一级")
    ASSIGN_DEPARTMENT = "assign_department", _("明确牵头部门")
    ASSIGN_LEADER = "assign_leader", _("明确包案领导")
    RESOLVE = "resolve", _("调处办结")
    ANSWER = "answer", _("答复")
    REPORT = "report", _("反馈办理结果")
    JUDICIAL_CONFIRMATION = "judicial_confirmation", _("申请司法确认")


class DayKind(models.TextChoices):
    WORKING = "working", _("工作日")
    CALENDAR = "calendar", _("自然日")
    NEXT_MEETING = "next_meeting", _("下一次联席会议前")


class DeadlineRule(models.Model):
    key = models.SlugField(_("代码"), max_length=60, unique=True)
    tier = models.CharField(_("层级"), max_length=10, choices=Tier.choices)
    trigger = models.CharField(_("触发"), max_length=30, choices=Trigger.choices)
    condition = models.CharField(_("条件"), max_length=30, choices=Condition.choices)
    action = models.CharField(_("应办事项"), max_length=30, choices=RequiredAction.choices)
    days = models.PositiveSmallIntegerField(_("期限天数"), null=True, blank=True)
    day_kind = models.CharField(_("计算方式"), max_length=20, choices=DayKind.choices)
    # When several rules apply to one dispute, the lowest priority number wins.
    priority = models.PositiveSmallIntegerField(_("优先级"), default=100)
    active = models.BooleanField(_("启用"), default=True)
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["tier", "priority", "key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(day_kind="next_meeting", days__isnull=True)
                | (~models.Q(day_kind="next_meeting") & models.Q(days__gt=0)),
                name="rule_days_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class RulesStamp(models.Model):
    """One row whose token changes whenever rules are saved or deleted through the services.

    Every process keeps the active rules in memory and reloads them only when this token differs
    from the one it loaded with, so the dispute write path reads one tiny row instead of the
    rule table. A random token rather than a counter: a rolled-back change cannot leave two
    processes (or two tests) agreeing on a number that stands for different rules.
    """

    token = models.CharField(_("版本标记"), max_length=32)
    changed_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("规则版本")
        verbose_name_plural = _("规则版本")

    def __str__(self) -> str:
        return self.token
