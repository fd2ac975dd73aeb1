"""Evidence attached to a dispute (证据材料).

The file itself lives outside the web root under a random name (see storage.py); the row keeps
what is shown and what proves the file unchanged: the sanitised display name, the kind decided
from the content, the size and a SHA-256 of the bytes. Rows are never deleted: a withdrawn
attachment keeps its row and its file for the audit and is no longer listed or served.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.attachments.kinds import KINDS
from jiefen.disputes.models import Dispute

KIND_CHOICES = [(kind.key, kind.label) for kind in KINDS.values()]


class Attachment(models.Model):
    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("纠纷")
    )
    display_name = models.CharField(_("文件名"), max_length=120)
    description = models.CharField(_("说明"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10, choices=KIND_CHOICES)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored_name = models.CharField(_("存储名"), max_length=100, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"))
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤回人"),
    )
    withdraw_reason = models.CharField(_("撤回理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("证据材料")
        verbose_name_plural = _("证据材料")
        ordering = ["uploaded_at", "id"]
        indexes = [
            models.Index(fields=["dispute", "withdrawn_at", "uploaded_at"], name="attachment_list")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True)
                | (models.Q(withdrawn_by__isnull=False) & ~models.Q(withdraw_reason="")),
                name="attachment_withdrawn_with_reason",
            )
        ]

    def __str__(self) -> str:
        return self.display_name
