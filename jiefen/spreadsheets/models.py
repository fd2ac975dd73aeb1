"""Records of spreadsheet imports and exports.

An ImportJob is one uploaded file and its progress; the file's bytes are kept only until the
job ends (imported, or discarded), because they carry parties' phone and ID numbers in clear.
An ExportRecord says who exported which list, when, how many rows and whether unmasked; it
never holds a personal value.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        CHECKING = "checking", _("校验中")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("已完成")
        REFUSED = "refused", _("未导入（有错误）")
        FAILED = "failed", _("中断")
        DISCARDED = "discarded", _("已放弃")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导入人"),
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    filename = models.CharField(_("文件名"), max_length=200)
    digest = models.CharField(_("文件摘要"), max_length=64, db_index=True)
    content = models.BinaryField(_("文件内容"), blank=True, default=b"")
    language = models.CharField(max_length=10, default="zh-hans")
    valid_only = models.BooleanField(_("只导入有效行"), default=False)
    dry_run = models.BooleanField(_("仅校验"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_checked = models.PositiveIntegerField(_("已校验"), default=0)
    rows_done = models.PositiveIntegerField(_("已导入"), default=0)
    rows_invalid = models.PositiveIntegerField(_("有错误的行"), default=0)
    # [[row, column, message], ...] in the importer's language; never a personal value.
    errors = models.JSONField(_("错误"), default=list, blank=True)
    first_number = models.CharField(_("首个编号"), max_length=32, blank=True)
    last_number = models.CharField(_("末个编号"), max_length=32, blank=True)
    # Why a "failed" job stopped (a time limit, the worker stopped, an error), for its page.
    failure = models.CharField(_("中断原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-id"]
        indexes = [models.Index(fields=["actor", "id"], name="importjob_actor_id")]

    def __str__(self) -> str:
        return f"{self.pk}:{self.filename}"

    @property
    def running(self) -> bool:
        return self.status in (self.State.QUEUED, self.State.CHECKING, self.State.IMPORTING)

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0 if self.running else 100
        if self.status == self.State.CHECKING:
            return int(50 * self.rows_checked / self.rows_total)
        if self.status == self.State.QUEUED:
            return 0
        if self.status == self.State.IMPORTING:
            todo = max(1, self.rows_total - self.rows_invalid)
            return 50 + int(50 * self.rows_done / todo)
        return 100


class ExportRecord(models.Model):
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导出人"),
    )
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    masked = models.BooleanField(_("已脱敏"), default=True)
    reason = models.CharField(_("理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.actor_id}@{self.at:%Y-%m-%d %H:%M}"
