"""Follow-up from above: notifications, supervision orders (督办), leader ownership (领导包案),
clean-up campaigns (集中清理), and the few rows the periodic sweep keeps to do each thing once.

Every change here is also written to the dispute's history through
jiefen.disputes.services.event_append (see services.py); these rows hold what the events cannot
answer quickly — which orders are still waiting and when they are due, who owns what, which
disputes a campaign took in.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Dispute
from jiefen.lib.sealed import SealedCharField
from jiefen.org.models import Body
from jiefen.regions.models import Region

# ---------------------------------------------------------------------------------------------
# Notifications


class Kind(models.TextChoices):
    YELLOW = "yellow", _("黄色预警")
    RED = "red", _("超期")
    TRANSFERRED = "transferred", _("移送到达")
    RETURNED = "returned", _("移送被退回")
    ASSIGNED = "assigned", _("交办到达")
    ORDER = "order", _("督办")
    ORDER_OVERDUE = "order_overdue", _("督办逾期")
    ORDER_ANSWERED = "order_answered", _("督办已答复")
    URGE = "urge", _("催办")
    LEADER_MISSING = "leader_missing", _("待明确包案领导")
    LEADER_ASSIGNED = "leader_assigned", _("包案")
    EXTENSION_REQUESTED = "extension_requested", _("包案延期申请")
    EXTENSION_DECIDED = "extension_decided", _("包案延期审批")
    CAMPAIGN = "campaign", _("集中清理")


class Notification(models.Model):
    """One message to one member of staff. The words are made when it is shown or sent, from
    `kind` and `params` (machine keys), in the reader's language; never a party's ID or phone
    number (see notifications.py)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    # Other apps may add kinds of their own (notifications.register), hence no choices here.
    kind = models.CharField(_("类型"), max_length=30)
    dispute = models.ForeignKey(
        Dispute,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("纠纷"),
    )
    # What makes this notification the one and only of its kind for the recipient and
    # dispute: the due date of a warning, the id of an order or event. The unique
    # constraints below make every writer idempotent.
    key = models.CharField(_("标识"), max_length=64, blank=True, default="")
    params = models.JSONField(_("参数"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # E-mail and SMS: claimed with a compare-and-swap before sending, so that concurrent
    # deliverers send each notification once.
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    send_claim = models.CharField(max_length=32, blank=True, default="", editable=False)
    send_attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "dispute", "key"],
                condition=Q(dispute__isnull=False),
                name="notification_once_per_dispute",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"],
                condition=Q(dispute__isnull=True),
                name="notification_once_without_dispute",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "id"], name="notification_recipient"),
            # The bell: a user's unread ones.
            models.Index(
                fields=["recipient"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            ),
            # Delivery: what is still to be sent.
            models.Index(fields=["id"], name="notification_unsent", condition=Q(sent_at=None)),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}:{self.kind}:{self.dispute_id}:{self.key}"


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    DELIVERED = "delivered", _("已送达")
    UNDELIVERED = "undelivered", _("未送达")
    CAPPED = "capped", _("超过每日条数")
    REFUSED = "refused", _("内容不合规")


class SmsMessage(models.Model):
    """One text message, to a member of staff (a notification) or to a party, and how its
    sending went (sms_delivery.py). The number is sealed like parties' numbers, with its keyed
    digest (the daily cap counts by it) and a masked form to show; the words are sealed too."""

    # A text to a member of staff carries a notification; a text to a party (a one-time code,
    # a session reminder) carries the party and a key that makes it go once.
    notification = models.OneToOneField(
        Notification,
        on_delete=models.CASCADE,
        related_name="sms",
        verbose_name=_("通知"),
        null=True,
        blank=True,
    )
    party = models.ForeignKey(
        "disputes.Party",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("当事人"),
        null=True,
        blank=True,
    )
    once_key = models.CharField(max_length=100, unique=True, null=True, blank=True, editable=False)
    phone = SealedCharField(_("手机号码"), max_length=30)
    phone_digest = models.CharField(max_length=64, editable=False)
    phone_masked = models.CharField(_("手机号码"), max_length=30)
    kind = models.CharField(_("类型"), max_length=30)
    text = SealedCharField(_("内容"), max_length=500)
    # The template's parameters, in order, as JSON (sealed like the text).
    params = SealedCharField(max_length=1000, blank=True, null=True)
    provider = models.CharField(_("服务商"), max_length=20, blank=True, default="")
    template = models.CharField(_("模板"), max_length=64, blank=True, default="")
    provider_message_id = models.CharField(_("服务商消息编号"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=200, blank=True, default="")
    queued_at = models.DateTimeField(_("排队时间"))
    # When the next attempt is due (None: nothing more to do); a claim pushes it a lease ahead.
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    send_claim = models.CharField(max_length=32, blank=True, default="", editable=False)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # When the provider's delivery report came (delivered or not: the status says which).
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        ordering = ["-id"]
        indexes = [
            # The retries due.
            models.Index(
                fields=["next_attempt_at"],
                name="sms_due",
                condition=Q(next_attempt_at__isnull=False),
            ),
            # The daily cap: what went to one number since midnight.
            models.Index(fields=["phone_digest", "sent_at"], name="sms_phone_day"),
            # A delivery report finds its message by the provider's id.
            models.Index(
                fields=["provider", "provider_message_id"],
                name="sms_provider_id",
                condition=~Q(provider_message_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone_masked}:{self.kind}:{self.status}"


# ---------------------------------------------------------------------------------------------
# Supervision orders


class SupervisionOrder(models.Model):
    """督办: a higher body requires a progress report on a dispute by a due date."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="supervision_orders"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("督办人"),
    )
    # The body the order is issued in the name of (None only for a superuser without roles).
    issuer_body = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("督办单位"),
    )
    to_body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="+", verbose_name=_("承办单位")
    )
    region_code = models.BigIntegerField(_("区划代码"))
    requirement = models.TextField(_("督办要求"), max_length=2000)
    days = models.PositiveSmallIntegerField(_("期限（工作日）"))
    issued_at = models.DateTimeField(_("下达时间"))
    due_date = models.DateField(_("答复时限"))
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复人"),
    )
    report = models.TextField(_("进展报告"), max_length=2000, blank=True)
    # Set once by the sweep when the due date passed unanswered (claimed compare-and-swap).
    escalated_at = models.DateTimeField(_("逾期提请时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(
                fields=["due_date", "region_code"],
                name="order_open_due",
                condition=Q(answered_at__isnull=True),
            ),
            models.Index(fields=["dispute", "id"], name="order_dispute"),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


# ---------------------------------------------------------------------------------------------
# Leader ownership


class OwnershipStatus(models.TextChoices):
    ACTIVE = "active", _("包案中")
    SIGNED_OFF = "signed_off", _("已销号")
    REPLACED = "replaced", _("已更换")


class LeaderOwnership(models.Model):
    """领导包案: a leader personally owns a dispute until it is resolved and signed off."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="ownerships")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_disputes",
        verbose_name=_("包案领导"),
    )
    # The body the leader holds the role in (the highest covering the dispute): a request for
    # more time is approved by a leader above it.
    leader_body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="+", verbose_name=_("领导所在单位")
    )
    plan = models.TextField(_("化解方案"), max_length=2000)
    target_date = models.DateField(_("目标日期"))
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=OwnershipStatus.choices,
        default=OwnershipStatus.ACTIVE,
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("明确人"),
    )
    assigned_at = models.DateTimeField(_("明确时间"))
    signed_off_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    sign_off_note = models.TextField(_("销号意见"), max_length=2000, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("领导包案")
        verbose_name_plural = _("领导包案")
        ordering = ["target_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute"],
                condition=Q(status="active"),
                name="one_active_ownership_per_dispute",
            ),
        ]
        indexes = [
            models.Index(fields=["leader", "status", "target_date"], name="ownership_leader")
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}:{self.leader_id}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class Extension(models.Model):
    ownership = models.ForeignKey(
        LeaderOwnership, on_delete=models.CASCADE, related_name="extensions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    reason = models.TextField(_("延期理由"), max_length=2000)
    old_date = models.DateField(_("原目标日期"))
    new_date = models.DateField(_("申请延至"))
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("包案延期")
        verbose_name_plural = _("包案延期")
        ordering = ["ownership", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ownership"],
                condition=Q(status="pending"),
                name="one_pending_extension",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ownership_id}→{self.new_date}"


class ProgressNote(models.Model):
    ownership = models.ForeignKey(LeaderOwnership, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))
    text = models.TextField(_("进展情况"), max_length=2000)

    class Meta:
        verbose_name = _("包案进展")
        verbose_name_plural = _("包案进展")
        ordering = ["ownership", "id"]

    def __str__(self) -> str:
        return f"{self.ownership_id}@{self.at:%Y-%m-%d}"


# ---------------------------------------------------------------------------------------------
# Clean-up campaigns


class Campaign(models.Model):
    """集中清理: a quarter's drive on long-unresolved disputes in a region, selected by rule."""

    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("范围")
    )
    # The rule: a dispute is taken in if any of the set criteria holds.
    open_days = models.PositiveIntegerField(_("在办超过天数"), null=True, blank=True)
    min_transfers = models.PositiveSmallIntegerField(_("移送次数不少于"), null=True, blank=True)
    reopened = models.BooleanField(_("曾重启"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The result as it stood when the campaign was closed, kept so it reads the same later.
    result = models.JSONField(_("结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("集中清理")
        verbose_name_plural = _("集中清理")
        ordering = ["-year", "-quarter", "-id"]

    def __str__(self) -> str:
        return self.name


class CampaignItem(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="+")
    region_code = models.BigIntegerField(_("区划代码"))
    # Which criteria matched: "open_days", "transfers", "reopened".
    matched = models.JSONField(_("入选原因"), default=list)
    status_at_start = models.CharField(_("入选时状态"), max_length=15)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任人"),
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("包案领导"),
    )

    class Meta:
        verbose_name = _("清理对象")
        verbose_name_plural = _("清理对象")
        ordering = ["campaign", "region_code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "dispute"], name="campaign_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.dispute_id}"


# ---------------------------------------------------------------------------------------------
# The sweep's own bookkeeping


class SweepMark(models.Model):
    """ "The sweep noticed this": a dispute turned yellow or red for a due date, or is at county
    level without a leader. Inserted with ON CONFLICT DO NOTHING … RETURNING, so of two
    concurrent sweeps only the one whose insert returned the row notifies."""

    kind = models.CharField(max_length=20)
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+")
    due = models.DateField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dispute", "kind", "due"],
                condition=Q(due__isnull=False),
                name="sweep_mark_once_per_due",
            ),
            models.UniqueConstraint(
                fields=["dispute", "kind"],
                condition=Q(due__isnull=True),
                name="sweep_mark_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.dispute_id}:{self.due}"


class SweepCursor(models.Model):
    """How far the sweep has read an append-only table (the dispute events), by id."""

    name = models.CharField(max_length=30, primary_key=True)
    position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}@{self.position}"


class SweepClock(models.Model):
    """One row: which scheduled sweep task carries the periodic chain on (see tasks.py), and
    when the sweep last ran."""

    chain = models.CharField(max_length=64, blank=True, default="")
    interval = models.PositiveIntegerField(default=300)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_counts = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"sweep chain {self.chain or '—'}"


class SweepHookStatus(models.Model):
    """How each registered sweep hook fared (sweep.hooks_run): machine state for /healthz/sweep,
    not audited."""

    name = models.CharField(max_length=60, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=100, blank=True)
    failures = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name
