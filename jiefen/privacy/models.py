"""The records the privacy duties keep: subject-access requests and anonymisation runs.

Neither holds a personal value: a request keeps a keyed digest of the number entered (see
lookup.py), a run keeps counts.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessKind(models.TextChoices):
    SEARCH = "search", _("查询")
    EXPORT_JSON = "export_json", _("导出 JSON")
    EXPORT_XLSX = "export_xlsx", _("导出 Excel")


class AccessRequest(models.Model):
    """One search or export made for a person's subject-access request: who, when, why."""

    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("经办人"),
    )
    kind = models.CharField(_("操作"), max_length=12, choices=AccessKind.choices)
    reason = models.CharField(_("理由"), max_length=200)
    # HMAC of the number entered, never the number: the same digest as Party's lookup columns,
    # so a later request can show the person who searched for them.
    key_digest = models.CharField(_("查询号码摘要"), max_length=64, db_index=True)
    parties = models.PositiveIntegerField(_("匹配当事人数"), default=0)
    disputes = models.JSONField(_("涉及纠纷"), default=list, blank=True)

    class Meta:
        verbose_name = _("个人信息查询记录")
        verbose_name_plural = _("个人信息查询记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


class AnonymiseRun(models.Model):
    """One pass of the retention job, with what it did."""

    started_at = models.DateTimeField(_("开始时间"), db_index=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_before = models.DateField(_("结案早于"))
    trigger = models.CharField(_("触发方式"), max_length=10, default="command")
    disputes = models.PositiveIntegerField(_("纠纷数"), default=0)
    parties = models.PositiveIntegerField(_("当事人数"), default=0)

    class Meta:
        verbose_name = _("匿名化执行记录")
        verbose_name_plural = _("匿名化执行记录")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d} < {self.closed_before}"
