"""The mediator register (人民调解员), who mediates which dispute, and the routing catalogue
(归口目录) that says where a matter belongs.

A mediator record holds what the work needs and nothing else: the bodies served, the matters
taken, languages, full or part time, appointment dates, the weekdays they can sit, and the staff
account they sign in with. Phone and ID numbers are sealed like parties' (encrypted at rest).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Category, Dispute, Session
from jiefen.lib.sealed import SealedCharField
from jiefen.org.models import Body
from jiefen.regions.models import Level, Region

WEEKDAYS = "1234567"  # ISO weekdays: 1 Monday … 7 Sunday


class Mediator(models.Model):
    name = models.CharField(_("姓名"), max_length=50)
    phone = SealedCharField(_("联系电话"), max_length=30, blank=True, null=True)
    id_number = SealedCharField(_("证件号码"), max_length=30, blank=True, null=True)
    # The body that appointed the mediator (聘任单位); its region is the record's jurisdiction.
    home_body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="+", verbose_name=_("聘任单位")
    )
    region_code = models.BigIntegerField(_("区划代码"), db_index=True, editable=False)
    bodies = models.ManyToManyField(
        Body, related_name="mediators", verbose_name=_("所在调解组织"), blank=True
    )
    categories = models.ManyToManyField(
        Category, related_name="mediators", verbose_name=_("擅长事项"), blank=True
    )
    languages = models.CharField(
        _("语言和方言"),
        max_length=100,
        blank=True,
        help_text=_("用顿号或逗号分隔，如：普通话、诸暨话"),
    )
    full_time = models.BooleanField(_("专职"), default=False)
    appointed_on = models.DateField(_("聘任日期"))
    term_ends = models.DateField(_("聘期届满"), null=True, blank=True)
    weekdays = models.CharField(
        _("可调解日"), max_length=7, default="12345", help_text=_("1 为周一，7 为周日，如 12345")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediator",
        verbose_name=_("工作人员账号"),
    )
    active = models.BooleanField(_("在聘"), default=True)
    # Disputes the mediator holds now, kept by the assignment services under the dispute lock:
    # the ranking reads it instead of counting assignments.
    open_cases = models.PositiveIntegerField(_("在办纠纷"), default=0, editable=False)

    class Meta:
        verbose_name = _("人民调解员")
        verbose_name_plural = _("人民调解员")
        ordering = ["region_code", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.region_code = Body.objects.values_list("region_id", flat=True).get(
            pk=self.home_body_id
        )
        super().save(*args, **kwargs)

    def sits_on(self, weekday: int) -> bool:
        return str(weekday) in self.weekdays


class Assignment(models.Model):
    """A mediator on a dispute, from the body's decision until the dispute is resolved, the
    mediator is changed or withdraws."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="mediator_assignments"
    )
    mediator = models.ForeignKey(Mediator, on_delete=models.PROTECT, related_name="assignments")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("指派时间"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ended_why = models.CharField(_("结束原因"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("调解员指派")
        verbose_name_plural = _("调解员指派")
        indexes = [models.Index(fields=["mediator", "ended_at"], name="assignment_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute", "mediator"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_assignment_per_mediator",
            )
        ]

    def __str__(self) -> str:
        return f"{self.mediator} · {self.dispute}"


class Sitting(models.Model):
    """A mediator of the register who sat in a mediation session (调解记录). The session's text
    field keeps the names as printed (with anyone present from outside the register)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="sittings")
    mediator = models.ForeignKey(Mediator, on_delete=models.PROTECT, related_name="sittings")

    class Meta:
        verbose_name = _("参加调解的调解员")
        verbose_name_plural = _("参加调解的调解员")
        constraints = [
            models.UniqueConstraint(fields=["mediator", "session"], name="one_sitting_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.mediator} @ {self.session}"


class RouteEntry(models.Model):
    """One line of the routing catalogue: a matter at a level belongs to a department, and a
    specialised committee is competent to mediate it."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("适用区划")
    )
    level = models.PositiveSmallIntegerField(
        _("办理层级"),
        choices=[
            (Level.TOWN, Level.TOWN.label),
            (Level.COUNTY, Level.COUNTY.label),
            (Level.CITY, Level.CITY.label),
        ],
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name=_("纠纷类别"))
    keyword = models.CharField(_("关键词"), max_length=30, blank=True)
    amount_min = models.DecimalField(
        _("金额起（含）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount_max = models.DecimalField(
        _("金额止（不含）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    people_min = models.PositiveIntegerField(_("人数起（含）"), null=True, blank=True)
    people_max = models.PositiveIntegerField(_("人数止（不含）"), null=True, blank=True)
    department = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("责任部门"),
    )
    committee = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("专业调解组织"),
    )
    source = models.CharField(_("职责依据（权责清单事项）"), max_length=200)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("归口目录条目")
        verbose_name_plural = _("归口目录")
        ordering = ["region_id", "level", "category__sort", "keyword", "pk"]
        indexes = [models.Index(fields=["category", "level", "region"], name="route_lookup")]

    def __str__(self) -> str:
        return f"{self.category} → {self.department or self.committee}"


class RequestKind(models.TextChoices):
    CHOOSE = "choose", _("申请指定调解员")
    CHANGE = "change", _("申请更换调解员")
    WITHDRAW = "withdraw", _("调解员回避")


class RequestState(models.TextChoices):
    OPEN = "open", _("待答复")
    GRANTED = "granted", _("已同意")
    REFUSED = "refused", _("不同意")


class MediatorRequest(models.Model):
    """A party's request for a mediator or a change, or a withdrawal (回避); answered by the
    body holding the dispute within the rule's deadline, or by the body's head after it rose."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=RequestKind.choices)
    mediator = models.ForeignKey(
        Mediator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所涉调解员"),
    )
    wanted = models.ForeignKey(
        Mediator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("希望的调解员"),
    )
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("理由"), max_length=1000)
    made_at = models.DateTimeField(_("提出时间"))
    due_date = models.DateField(_("答复时限"), db_index=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=RequestState.choices, default=RequestState.OPEN
    )
    raised_at = models.DateTimeField(_("提交负责人时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answer = models.TextField(_("答复"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("调解员申请")
        verbose_name_plural = _("调解员申请")
        indexes = [
            models.Index(
                fields=["due_date"],
                condition=models.Q(state="open", raised_at__isnull=True),
                name="mediator_request_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.dispute}"
