"""Threads and messages between the parties and the mediators of the body holding a dispute.

Each party has a private thread with the mediators (a Thread with its `party`); the parties
share one thread (no `party`), which only staff open. A message is never edited or deleted:
its text is personal data, kept encrypted (lib.sealed, like a party's phone), exported to the
person it is about, and blanked when the dispute's parties are anonymised (`blanked_at` says
when). A message may carry one file, checked by content and stored exactly like the evidence
attachments (jiefen.attachments: kinds, size limit, the upload directory, a random name).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.attachments.models import KIND_CHOICES
from jiefen.disputes.models import Dispute, Party
from jiefen.lib.sealed import SealedTextField

BODY_MAX = 2000


class Thread(models.Model):
    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="+", verbose_name=_("纠纷")
    )
    # The party of a private thread; empty for the thread shared by all parties.
    party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("当事人"),
    )
    opened_at = models.DateTimeField(_("开启时间"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("开启人"),
    )

    class Meta:
        verbose_name = _("沟通会话")
        verbose_name_plural = _("沟通会话")
        ordering = ["dispute", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute"],
                condition=models.Q(party__isnull=True),
                name="one_shared_thread_per_dispute",
            ),
            models.UniqueConstraint(
                fields=["dispute", "party"],
                condition=models.Q(party__isnull=False),
                name="one_private_thread_per_party",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}:{self.party_id or 'shared'}"

    @property
    def shared(self) -> bool:
        return self.party_id is None


class Message(models.Model):
    thread = models.ForeignKey(
        Thread, on_delete=models.PROTECT, related_name="messages", verbose_name=_("会话")
    )
    # Denormalised from the thread: the dispute page reads a dispute's messages in one query.
    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="+", verbose_name=_("纠纷")
    )
    shared = models.BooleanField(_("共同会话"), default=False)
    # The party the message is personal data of: the private thread's party, or the party who
    # wrote in the shared thread; empty for a mediator's message to all parties.
    party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("当事人"),
    )
    # The member of staff who wrote it; empty when the party wrote it.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("工作人员"),
    )
    body = SealedTextField(_("内容"), blank=True, null=True)
    written_at = models.DateTimeField(_("发送时间"))
    file_name = models.CharField(_("附件名"), max_length=120, blank=True)
    file_kind = models.CharField(_("附件类型"), max_length=10, choices=KIND_CHOICES, blank=True)
    file_size = models.PositiveBigIntegerField(_("附件大小（字节）"), null=True, blank=True)
    file_sha256 = models.CharField(_("附件 SHA-256"), max_length=64, blank=True)
    file_stored = models.CharField(max_length=100, blank=True, editable=False)
    blanked_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("沟通消息")
        verbose_name_plural = _("沟通消息")
        ordering = ["written_at", "id"]
        indexes = [models.Index(fields=["dispute", "written_at"], name="message_dispute_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(author__isnull=False) | models.Q(party__isnull=False),
                name="message_has_a_writer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.pk}"

    @property
    def by_party(self) -> bool:
        return self.author_id is None
