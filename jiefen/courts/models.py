"""The application to a court for judicial confirmation (司法确认) of a mediation agreement.

What the documents app does not keep: each party's identity document for the court, uploaded
by that party in the portal (or by staff on the party's behalf), and the record of the
application sent through the court interface (jiefen.courts.gateway) with its receipt. The
application's date, court and result stay in documents.Confirmation, which sending fills in.

An identity document is personal data: its bytes are sealed (jiefen.lib.sealed.seal_bytes) in
the upload storage under a random name, never served by URL, shown only to the party itself
and to staff of the holding body with a logged reveal, and erased with the party's other
personal data (services.identity_documents_erase, from the privacy schedule).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Agreement, Dispute, Party

KINDS = (("pdf", _("PDF 文档")), ("jpeg", _("JPEG 图片")), ("png", _("PNG 图片")))


class IdentityDocument(models.Model):
    """One party's identity document for the court: the latest upload replaces an earlier one."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+")
    party = models.OneToOneField(
        Party, on_delete=models.CASCADE, related_name="court_identity", verbose_name=_("当事人")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=KINDS)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored_name = models.CharField(max_length=100, unique=True, editable=False)
    uploaded_at = models.DateTimeField(_("上传时间"))
    # None: uploaded by the party in the portal; else the staff member who uploaded it for them.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("代为上传的工作人员"),
    )

    class Meta:
        verbose_name = _("司法确认身份证件")
        verbose_name_plural = _("司法确认身份证件")

    def __str__(self) -> str:
        return f"{self.party_id}"

    @property
    def by_party(self) -> bool:
        return self.uploaded_by_id is None


class CourtSubmission(models.Model):
    """The application sent to the court through the gateway: once per agreement."""

    agreement = models.OneToOneField(Agreement, on_delete=models.CASCADE, related_name="+")
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+")
    court = models.CharField(_("受理法院"), max_length=100)
    sent_at = models.DateTimeField(_("发送时间"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    gateway = models.CharField(_("发送方式"), max_length=200)
    reference = models.CharField(_("回执编号"), max_length=200)
    receipt = models.JSONField(_("回执"), default=dict)
    bundle_sha256 = models.CharField(_("申请材料 SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("司法确认申请发送记录")
        verbose_name_plural = _("司法确认申请发送记录")

    def __str__(self) -> str:
        return f"{self.dispute_id}:{self.reference}"
