"""What the legal documents need beyond the dispute's own records.

The people's mediation agreement must state items (People's Mediation Law, Article 29) that
registration does not ask for: each party's sex, age, ethnicity, occupation and employer, an
organisation's legal representative, each party's responsibility, how and by when the
agreement is performed, the mediators. They are kept here, keyed to the Party and the
Agreement, and used for that document alone: never listed, filtered or counted (jiefen keeps
no register of people by ethnicity or anything else), and erased with the party
(services.party_details_erase).

A person's facts (sex, age, ethnicity, occupation, employer) are encrypted at rest and in dumps
like Party's phone and ID (jiefen.privacy.fields), masked on screen and shown only through a
logged reveal (services.party_detail_reveal). Unlike phone and ID they have no lookup digest on
purpose: nothing may search or group people by them. An organisation's legal representative
and title stay plain: they are the public facts of its registration, like the party's name.
An empty value is stored as NULL (the encrypted fields write nothing for nothing).

The judicial confirmation (司法确认, Article 33) of an agreement is tracked per agreement.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Agreement, Dispute, Party
from jiefen.lib.sealed import SealedCharField, SealedIntegerField


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class PartyDetail(models.Model):
    """A party's basic facts as the agreement must state them."""

    party = models.OneToOneField(Party, on_delete=models.CASCADE, related_name="document_detail")
    gender = SealedCharField(_("性别"), max_length=6, choices=Gender.choices, blank=True, null=True)
    age = SealedIntegerField(_("年龄"), null=True, blank=True)
    # Optional everywhere: the agreement prints it when recorded, nothing requires it.
    ethnicity = SealedCharField(_("民族"), max_length=20, blank=True, null=True)
    occupation = SealedCharField(_("职业"), max_length=50, blank=True, null=True)
    employer = SealedCharField(_("工作单位"), max_length=100, blank=True, null=True)
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

    @property
    def recorded(self) -> list[str]:
        """The labels of the sealed facts recorded, for a masked summary (never the values)."""
        return [
            str(self._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
            for name in SEALED
            if getattr(self, name) not in ("", None)
        ]


# The facts of a person kept encrypted, shown masked, revealed with a logged reason.
SEALED = ("gender", "age", "ethnicity", "occupation", "employer")


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


class AssentAnswer(models.TextChoices):
    CONFIRMED = "confirmed", _("确认")
    REFUSED = "refused", _("不同意")


class AssentChannel(models.TextChoices):
    SMS = "sms", _("短信验证码")
    PAPER = "paper", _("当面签字确认")


class Assent(models.Model):
    """A party's answer to the agreement's text: confirmed, or refused with a reason, proved by
    a one-time code to the phone on file (sms) or recorded by the mediator from a paper signed
    in person (paper). It holds for the text whose digest it names: a change of the text voids
    it (voided_at), and the party answers again. At most one answer in force per party.

    The drawn signature is personal data: a PNG kept encrypted (lib.sealed.seal_bytes), shown
    to the party themself and to staff of the dispute's jurisdiction only, erased with the
    party (assent.assents_erase)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="assents")
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="assents")
    text_digest = models.CharField(_("协议文本摘要"), max_length=64)
    answer = models.CharField(_("答复"), max_length=10, choices=AssentAnswer.choices)
    reason = models.TextField(_("不同意的理由"), max_length=500, blank=True)
    channel = models.CharField(_("确认方式"), max_length=10, choices=AssentChannel.choices)
    at = models.DateTimeField(_("时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signature = models.BinaryField(_("手写签名（加密）"), blank=True, default=b"")
    signed = models.BooleanField(_("有手写签名"), default=False)
    voided_at = models.DateTimeField(_("失效时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("当事人对调解协议的确认")
        verbose_name_plural = _("当事人对调解协议的确认")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "party"],
                condition=models.Q(voided_at__isnull=True),
                name="assent_one_in_force",
            )
        ]
        indexes = [models.Index(fields=["dispute", "party"], name="assent_dispute_party")]

    def __str__(self) -> str:
        return f"{self.dispute_id}:{self.party_id}:{self.answer}"
