"""What the parties themselves add to a dispute: requests to go up a level, requests for the
level above to review a "no", and a rating.

Both are also written as events (the history, and the source for KPIs); these rows hold what
the events cannot answer quickly — which requests are still waiting and when they are due,
and whether a dispute was already rated.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Dispute, Tier
from jiefen.org.models import Body


class EscalationRequest(models.Model):
    """A party asked for the dispute to go to the next level (申请上移). The body holding it
    must answer by `due_date`; an unanswered request goes up by itself (services.py)."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="escalation_requests"
    )
    # The body and level the party asked to leave: once the dispute has moved on, an old
    # request no longer sends it further up.
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(_("层级"), max_length=10, choices=Tier.choices)
    requested_at = models.DateTimeField(_("申请时间"))
    reason = models.TextField(_("申请理由"), max_length=2000)
    due_date = models.DateField(_("答复时限"), null=True, blank=True)
    due_rule = models.CharField(_("时限依据"), max_length=60, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer = models.TextField(_("答复"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复人"),
    )
    transferred = models.BooleanField(_("已移送上级"), default=False)
    auto_escalated_at = models.DateTimeField(_("逾期自动上移时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("上移申请")
        verbose_name_plural = _("上移申请")
        ordering = ["dispute", "id"]
        indexes = [
            # The sweep: requests still waiting, by due date.
            models.Index(
                fields=["due_date"],
                name="escalation_waiting_due",
                condition=models.Q(answered_at__isnull=True, auto_escalated_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}#{self.pk}"

    @property
    def is_waiting(self) -> bool:
        return self.answered_at is None and self.auto_escalated_at is None


class ReviewKind(models.TextChoices):
    DECLINE = "decline", _("不予受理")
    REFUSAL = "refusal", _("不同意移送上一级")


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", _("维持原决定")
    REOPENED = "reopened", _("撤销不予受理，由上一级重新受理")
    TAKEN_UP = "taken_up", _("移送上一级处理")


class ReviewRequest(models.Model):
    """A party asked the level above to review a "no" (申请复核): a decline, or the holder's
    answer not to transfer. The body above (`reviewer`) must answer by `due_date`; unanswered
    in time the "no" is reversed by itself (services.reviews_overdue): a declined dispute is
    accepted again by the level above, a refused one goes up."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="review_requests")
    kind = models.CharField(_("复核事项"), max_length=10, choices=ReviewKind.choices)
    # The body that said no, and the body above that reviews it.
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(_("层级"), max_length=10, choices=Tier.choices)
    escalation = models.ForeignKey(
        EscalationRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    reason = models.TextField(_("申请理由"), max_length=2000)
    due_date = models.DateField(_("答复时限"))
    due_rule = models.CharField(_("时限依据"), max_length=60, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer = models.TextField(_("答复"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复人"),
    )
    outcome = models.CharField(
        _("复核结果"), max_length=10, choices=ReviewOutcome.choices, blank=True
    )
    auto_escalated_at = models.DateTimeField(_("逾期自动处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("复核申请")
        verbose_name_plural = _("复核申请")
        ordering = ["dispute", "id"]
        indexes = [
            models.Index(
                fields=["due_date"],
                name="review_waiting_due",
                condition=models.Q(answered_at__isnull=True, auto_escalated_at__isnull=True),
            ),
            models.Index(fields=["reviewer", "due_date"], name="review_reviewer_due"),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}#R{self.pk}"

    @property
    def is_waiting(self) -> bool:
        return self.answered_at is None and self.auto_escalated_at is None


class Rating(models.Model):
    """The party's rating of the result: one per dispute."""

    dispute = models.OneToOneField(Dispute, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField(_("评分"))
    comment = models.TextField(_("评价"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("当事人评价")
        verbose_name_plural = _("当事人评价")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}:{self.score}"


class PartyPhoneCheck(models.Model):
    """Staff of the body holding the dispute checked that the phone on file is the party's
    own (已核实手机号码): only such a phone receives the codes that sign a party in or recover a
    lost query code (portal.codes). The check holds the keyed digest of the phone as it was
    then, never the phone: a phone changed since no longer matches, and the check is void."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey(
        "disputes.Party", on_delete=models.PROTECT, related_name="phone_checks"
    )
    phone_digest = models.CharField(_("核实时的号码摘要"), max_length=64)
    verified_at = models.DateTimeField(_("核实时间"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("核实人"),
    )

    class Meta:
        verbose_name = _("手机号码核实")
        verbose_name_plural = _("手机号码核实")
        ordering = ["party", "-verified_at"]
        indexes = [models.Index(fields=["party", "phone_digest"], name="phone_check_party")]

    def __str__(self) -> str:
        return f"{self.party_id}@{self.verified_at:%Y-%m-%d}"
