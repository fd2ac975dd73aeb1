"""What the legal documents need beyond the dispute's own records.

The people's mediation agreement must state items (People's Mediation Law, Article 29) that
registration does not ask for: each party's sex, age, ethnicity, occupation and employer, an
organisation's legal representative, each party's responsibility, how and by when the
agreement is performed, the mediators. They are kept here, keyed to the Party and the
Agreement, and used for that document alone: never listed, filtered or counted (jiefen keeps
no register of people by ethnicity or anything else), and erased with the party
(services.party_details_erase).

The judicial confirmation (司法确认, Article 33) of an agreement is tracked per agreement.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Agreement, Dispute, Party


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class PartyDetail(models.Model):
    """A party's basic facts as the agreement must state them."""

    party = models.OneToOneField(Party, on_delete=models.CASCADE, related_name="document_detail")
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices, blank=True)
    age = models.PositiveSmallIntegerField(_("年龄"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    occupation = models.CharField(_("职业"), max_length=50, blank=True)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    representative_title = models.CharField(_("法定代表人职务"), max_length=50, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("当事人文书信息")
        verbose_name_plural = _("当事人文书信息")

    def __str__(self) -> str:
        return f"{self.party_id}"


class AgreementDetail(models.Model):
    """The items of Article 29 the Agreement row does not hold."""

    agreement = models.OneToOneField(
        Agreement, on_delete=models.CASCADE, related_name="document_detail"
    )
    responsibility = models.TextField(_("各方当事人的责任"), max_length=3000, blank=True)
    performance_method = models.TextField(_("履行方式"), max_length=2000, blank=True)
    performance_deadline = models.DateField(_("履行期限"), null=True, blank=True)
    performed_on_signing = models.BooleanField(_("签订时当场履行完毕"), default=False)
    mediators = models.CharField(_("调解员"), max_length=200, blank=True)
    committee = models.CharField(_("人民调解委员会名称"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("调解协议书信息")
        verbose_name_plural = _("调解协议书信息")

    def __str__(self) -> str:
        return f"{self.agreement_id}"


class ConfirmationResult(models.TextChoices):
    CONFIRMED = "confirmed", _("确认有效")
    NOT_CONFIRMED = "not_confirmed", _("不予确认")


class Confirmation(models.Model):
    """The parties' joint application to a court to confirm the agreement, and the result."""

    agreement = models.OneToOneField(
        Agreement, on_delete=models.CASCADE, related_name="confirmation"
    )
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+")
    applied_on = models.DateField(_("申请日期"), null=True, blank=True)
    court = models.CharField(_("受理法院"), max_length=100, blank=True)
    result = models.CharField(
        _("确认结果"), max_length=15, choices=ConfirmationResult.choices, blank=True
    )
    result_on = models.DateField(_("裁定日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("司法确认")
        verbose_name_plural = _("司法确认")

    def __str__(self) -> str:
        return f"{self.dispute_id}"


class ConfirmationReminder(models.Model):
    """One reminder sent for an agreement's confirmation window: the unique row makes the
    sweep send each reminder once, however often it runs."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+")
    last_day = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dispute", "last_day", "days_before"], name="confirmation_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}:{self.last_day}:{self.days_before}"
