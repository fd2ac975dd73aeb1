"""The demo's disputes loading in the background: what was planned, and how far it has come."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoLoad(models.Model):
    """One row: the plan of the demo's synthetic disputes (count, seed, period, the moment they
    are played up to, the number counters and the first dispute id when it began) and the
    progress of its batches. The plan is fixed when the row is made, so an interrupted load
    plays the same disputes again and writes only those not yet written."""

    count = models.PositiveIntegerField(_("计划件数"))
    seed = models.IntegerField(_("随机种子"))
    batch = models.PositiveIntegerField(_("每批件数"))
    start = models.DateField(_("登记起始日"))
    end = models.DateField(_("登记截止日"))
    played_until = models.DateTimeField(_("演算截至"))
    first_dispute = models.BigIntegerField(_("首件纠纷编号"))
    counters = models.JSONField(_("开始时的编号计数"), default=dict)
    written = models.PositiveIntegerField(_("已写入件数"), default=0)
    indexed = models.PositiveIntegerField(_("已建检索索引件数"), default=0)
    began_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("演示数据载入")
        verbose_name_plural = _("演示数据载入")

    def __str__(self) -> str:
        return f"{self.written} / {self.count}"
