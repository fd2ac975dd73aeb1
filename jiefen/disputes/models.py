"""Disputes, their parties, their history and the records kept along the way.

The Dispute row is the current projection; Event rows are the append-only history written by
the services in services.py, which are the only code that changes a dispute.

Append-only, with one exception: anonymisation at the end of the retention period
(jiefen.privacy.retention) rewrites the parties' names and numbers inside event reasons and
parameters. It is the one rewrite allowed; it changes no action, state, date or count, and it
is itself recorded — an "anonymise" event naming the fields and row counts it replaced, and
audit records with the primary keys — never the values.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.lib import sealed as lookup
from jiefen.lib.sealed import SealedCharField
from jiefen.org.models import Body
from jiefen.regions.models import Region


def category_label(name: str) -> str:
    """A category's name in the reader's language: the seeded statistical categories have their
    English names in the catalogue; one an administrator added reads as typed."""
    from django.utils.translation import gettext

    return gettext(name) if name else name


class Category(models.Model):
    """People's-mediation statistical categories; editable by administrators."""

    key = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("纠纷类别")
        verbose_name_plural = _("纠纷类别")
        ordering = ["sort", "key"]

    def __str__(self) -> str:
        return category_label(self.name)


class Channel(models.TextChoices):
    SCREENING = "screening", _("排查发现")
    WALK_IN = "walk_in", _("来访")
    PHONE = "phone", _("来电")
    ONLINE = "online", _("网上申请")
    REFERRAL = "referral", _("其他单位转来")
    HOTLINE = "hotline_12345", _("12345 热线")


class Risk(models.TextChoices):
    ORDINARY = "ordinary", _("一般")
    ELEVATED = "elevated", _("较大")
    MAJOR = "major", _("重大")


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ACCEPTED = "accepted", _("已受理")
    MEDIATING = "mediating", _("调解中")
    TRANSFERRING = "transferring", _("移送中")
    ASSIGNED = "assigned", _("已交办")
    RESOLVED = "resolved", _("已办结")
    VISITED = "visited", _("已回访")
    CLOSED = "closed", _("已结案")
    DECLINED = "declined", _("不予受理")


OPEN_STATUSES = (
    Status.REGISTERED,
    Status.ACCEPTED,
    Status.MEDIATING,
    Status.TRANSFERRING,
    Status.ASSIGNED,
)


class Tier(models.TextChoices):
    VILLAGE = "village", _("村（社区）")
    TOWN = "town", _("乡镇（街道）")
    COUNTY = "county", _("县级")


class Outcome(models.TextChoices):
    AGREEMENT = "agreement", _("达成调解协议")
    NO_AGREEMENT = "no_agreement", _("未达成协议")


class Route(models.TextChoices):
    LITIGATION = "litigation", _("诉讼")
    ARBITRATION = "arbitration", _("仲裁")
    ADMINISTRATIVE = "administrative", _("行政程序")
    OTHER = "other", _("其他途径")


class Warning(models.IntegerChoices):
    NONE = 0, _("正常")
    YELLOW = 1, _("黄色预警")
    RED = 2, _("红色（超期）")


LIST_FILTERED = ["region_code", "status", "warning", "category", "mass"]
LIST_ORDER_BY_REGISTRATION = ["registered_at", "id", *LIST_FILTERED, "due_date"]
LIST_ORDER_BY_DEADLINE = ["due_date", "id", *LIST_FILTERED]


class Dispute(models.Model):
    number = models.CharField(_("编号"), max_length=32, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name=_("类别"))
    channel = models.CharField(_("来源"), max_length=20, choices=Channel.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("发生地")
    )
    # Denormalised region.code: every jurisdiction filter is a range on this column.
    region_code = models.BigIntegerField(_("区划代码"), editable=False)
    title = models.CharField(_("事由"), max_length=100)
    description = models.TextField(_("纠纷概况"), max_length=5000)
    # The construction, estate or land-acquisition project the dispute is about, if any:
    # several disputes about one project are read together by the early warning.
    project = models.CharField(_("涉及项目"), max_length=100, blank=True, default="")
    people_involved = models.PositiveIntegerField(_("涉及人数"), default=2)
    amount = models.DecimalField(
        _("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    risk = models.CharField(
        _("风险等级"), max_length=10, choices=Risk.choices, default=Risk.ORDINARY
    )
    complex = models.BooleanField(_("疑难复杂"), default=False)
    cross_area = models.BooleanField(_("跨区域"), default=False)
    mass = models.BooleanField(_("群体性"), default=False, editable=False)

    status = models.CharField(
        _("状态"), max_length=15, choices=Status.choices, default=Status.REGISTERED
    )
    holder = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="held_disputes", verbose_name=_("承办主体")
    )
    tier = models.CharField(_("所在层级"), max_length=10, choices=Tier.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办人"),
    )
    # A transfer up waits here until the receiving body accepts or returns it.
    transfer_to = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_disputes",
        verbose_name=_("移送至"),
    )
    department = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_disputes",
        verbose_name=_("交办部门"),
    )

    due_date = models.DateField(_("办理时限"), null=True, blank=True)
    due_action = models.CharField(_("时限事项"), max_length=30, blank=True)
    due_rule = models.CharField(_("时限依据"), max_length=60, blank=True)
    warning = models.PositiveSmallIntegerField(
        _("预警"), choices=Warning.choices, default=Warning.NONE
    )

    outcome = models.CharField(_("办结结果"), max_length=15, choices=Outcome.choices, blank=True)
    route = models.CharField(_("建议途径"), max_length=15, choices=Route.choices, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)

    registered_at = models.DateTimeField(_("登记时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    # A party follows the dispute with its number and a query code; only a digest is kept.
    query_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        indexes = [
            # Lists: a subtree (read and sorted when small), keyset on the sort key and id.
            models.Index(fields=["region_code", "id"], name="dispute_region_id"),
            # Lists in the order they show, for a large jurisdiction (selectors.dispute_list):
            # the trailing columns are the filters tested without reading the row; the first
            # column alone serves the registration date and deadline ranges.
            models.Index(fields=[*LIST_ORDER_BY_REGISTRATION], name="dispute_list_registered"),
            models.Index(fields=[*LIST_ORDER_BY_DEADLINE], name="dispute_list_due"),
            models.Index(fields=["status", "region_code", "id"], name="dispute_status_region"),
            # Queues: what a body holds or is about to receive, soonest due first.
            models.Index(fields=["holder", "due_date", "id"], name="dispute_holder_due"),
            models.Index(fields=["transfer_to", "id"], name="dispute_transfer_to"),
            models.Index(fields=["department", "due_date"], name="dispute_department_due"),
            # Warnings and overdue are found by range (overdue: dispute_list_due), never by
            # scanning.
            models.Index(fields=["warning", "region_code"], name="dispute_warning_region"),
            # The list's "accepted from / to" (the dashboard's acceptance figures link there).
            models.Index(fields=["accepted_at"], name="dispute_accepted_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="dispute_satisfaction_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Side(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    THIRD = "third", _("第三人")
    AGENT = "agent", _("代理人")


class PartyKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANISATION = "organisation", _("单位")


class PartyQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        # bulk_create skips save(): the lookup digests are filled here too.
        objs = list(objs)
        for party in objs:
            party.fill_digests()
        return super().bulk_create(objs, *args, **kwargs)


class Party(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("身份"), max_length=12, choices=Side.choices)
    kind = models.CharField(
        _("类型"), max_length=14, choices=PartyKind.choices, default=PartyKind.PERSON
    )
    name = models.CharField(_("姓名或名称"), max_length=100)
    # Encrypted at rest (and in dumps); the digests beside them are keyed HMACs that let a
    # subject-access request find a person without decrypting anything (see privacy.lookup).
    phone = SealedCharField(_("联系电话"), max_length=30, blank=True, null=True)
    id_number = SealedCharField(_("证件号码"), max_length=30, blank=True, null=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True)
    phone_digest = models.CharField(
        max_length=64, blank=True, default="", db_default="", editable=False, db_index=True
    )
    id_digest = models.CharField(
        max_length=64, blank=True, default="", db_default="", editable=False, db_index=True
    )

    objects = PartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["dispute", "side", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.fill_digests()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"phone", "id_number"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "phone_digest", "id_digest"}
        super().save(*args, **kwargs)

    def fill_digests(self) -> None:
        self.phone_digest = lookup.digest(self.phone)
        self.id_digest = lookup.digest(self.id_number)


class Event(models.Model):
    """One thing that happened to a dispute. Append-only (anonymisation, recorded, is the one
    rewrite: see the module docstring); machine keys and parameters only, words are rendered
    when displayed (see lifecycle.describe)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("动作"), max_length=20)
    from_status = models.CharField(_("原状态"), max_length=15, blank=True)
    to_status = models.CharField(_("新状态"), max_length=15)
    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="+", verbose_name=_("承办主体")
    )
    reason = models.TextField(_("理由"), blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    public = models.BooleanField(_("当事人可见"), default=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["dispute", "id"]
        indexes = [
            models.Index(fields=["dispute", "id"], name="event_dispute_id"),
            # The circulars count a period's transfers up a level and find what was still open
            # at its end (meetings.stats): those events alone by time, not every event since.
            models.Index(
                fields=["at"], condition=models.Q(action="transfer"), name="event_transfer_at"
            ),
            models.Index(
                fields=["at"],
                condition=models.Q(action__in=["resolve", "decline"]),
                name="event_leave_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}:{self.action}"


class Session(models.Model):
    """A mediation session (调解记录)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("调解日期"))
    place = models.CharField(_("地点"), max_length=100)
    mediators = models.CharField(_("调解员"), max_length=200)
    attendees = models.CharField(_("参加人员"), max_length=300)
    record = models.TextField(_("调解情况"), max_length=5000)
    agreed = models.TextField(_("达成事项"), max_length=5000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["dispute", "held_on", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id}@{self.held_on}"


class Agreement(models.Model):
    """The people's mediation agreement reached at resolution (人民调解协议)."""

    dispute = models.OneToOneField(Dispute, on_delete=models.CASCADE, related_name="agreement")
    facts = models.TextField(_("纠纷主要事实、争议事项"), max_length=5000)
    terms = models.TextField(_("协议内容"), max_length=5000)
    performance = models.TextField(_("履行方式、时限"), max_length=2000)
    signed_on = models.DateField(_("签订日期"))

    def __str__(self) -> str:
        return f"{self.dispute_id}"


class LevelStay(models.Model):
    """A dispute's time at one level: when it arrived, when it left, and whether the level's
    deadline was met. A transfer sent in time meets the sender's deadline even if the receiver
    accepts it later."""

    class Left(models.TextChoices):
        TRANSFERRED = "transferred", _("移送上级")
        RETURNED = "returned", _("被退回")
        RESOLVED = "resolved", _("办结")
        DECLINED = "declined", _("不予受理")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="stays")
    tier = models.CharField(_("层级"), max_length=10, choices=Tier.choices)
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="+")
    region_code = models.BigIntegerField(_("区划代码"))
    arrived_at = models.DateTimeField(_("到达时间"))
    # registered | transferred | returned | reopened: which rule trigger started the clock.
    arrived_how = models.CharField(_("到达方式"), max_length=12, default="registered")
    left_at = models.DateTimeField(_("离开时间"), null=True, blank=True)
    left_how = models.CharField(_("离开方式"), max_length=12, choices=Left.choices, blank=True)
    due_date = models.DateField(_("本级时限"), null=True, blank=True)
    due_rule = models.CharField(_("时限依据"), max_length=60, blank=True)
    met = models.BooleanField(_("按时"), null=True)

    class Meta:
        verbose_name = _("层级办理")
        verbose_name_plural = _("层级办理")
        ordering = ["dispute", "arrived_at", "id"]
        indexes = [
            models.Index(fields=["due_date", "region_code"], name="stay_due_region"),
            models.Index(fields=["dispute", "left_at"], name="stay_dispute_open"),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}:{self.tier}"


class Reveal(models.Model):
    """Who saw a party's full phone or ID number, when, on which dispute, and why."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("查看人"),
    )
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(_("字段"), max_length=20)
    reason = models.CharField(_("理由"), max_length=200)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.dispute_id}:{self.field}"


class NumberCounter(models.Model):
    """The last sequence number used for a (town code, year) prefix."""

    prefix = models.CharField(max_length=20, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.prefix
