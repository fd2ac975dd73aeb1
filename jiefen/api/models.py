"""Access tokens for systems and staff using the API, and the idempotency keys of their
registrations.

A token belongs to one person and is scoped to one body in which that person holds a role:
requests made with it act as the person, but see only that body's subtree and may make moves
only where that body is the one that must act. Only a SHA-256 digest of the token is stored;
the token itself is shown once, when it is created.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Dispute
from jiefen.org.models import Body


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("工作人员"),
    )
    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("调处主体")
    )
    name = models.CharField(_("用途"), max_length=100)
    digest = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.name} · {self.body}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """A registration made with an `Idempotency-Key`: a retry with the same key and payload
    returns the same dispute; the same key with another payload is refused."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    payload_digest = models.CharField(max_length=64)
    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="one_idempotency_key_per_token")
        ]

    def __str__(self) -> str:
        return self.key
