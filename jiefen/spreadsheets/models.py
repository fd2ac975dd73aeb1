"""Records of spreadsheet imports and exports.

An ImportJob is one uploaded file and its progress; the file's bytes are kept only until the
job ends (imported, or discarded), because they carry parties' phone and ID numbers in clear.
An ExportJob is one export of a list asked for: the list's filters as they were, built into a
workbook by the task worker and kept in the private upload storage for a day (KEEP), then
removed. An ExportRecord says who downloaded which list, when, how many rows and whether
unmasked (one per download, naming the job); neither holds a personal value.
"""

from datetime import timedelta

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


class ExportJob(models.Model):
    # How long a built file is kept for its download; then the sweep (or the next export)
    # removes it.
    KEEP = timedelta(hours=24)

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导出人"),
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The list's query string as it was (never a phone or ID number: such searches are not
    # exported), read again by the job; and the filters as JSON, for the page and the record.
    query = models.TextField(_("查询条件"), blank=True)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    # The actor's jurisdiction when they asked ({"spans": [[low, high], ...] of region codes,
    # "everything": bool}): the download is refused if it no longer covers it.
    scope = models.JSONField(_("管辖范围"), default=dict, blank=True)
    masked = models.BooleanField(_("已脱敏"), default=True)
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    failure = models.CharField(_("失败原因"), max_length=500, blank=True)
    # The workbook's name in the private upload storage (never served by URL); "" once removed.
    stored_name = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(_("文件大小"), default=0)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["actor", "id"], name="exportjob_actor_id"),
            models.Index(fields=["status", "created_at"], name="exportjob_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.pk}:{self.actor_id}"

    @property
    def running(self) -> bool:
        return self.status in (self.State.QUEUED, self.State.RUNNING)

    @property
    def expires_at(self):  # type: ignore[no-untyped-def]
        return (self.finished_at or self.created_at) + self.KEEP

    @property
    def filename(self) -> str:
        return f"disputes-{self.pk}.xlsx" if self.masked else f"disputes-unmasked-{self.pk}.xlsx"


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
    # The job whose file was downloaded (records before export jobs have none).
    job = models.ForeignKey(
        ExportJob,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("导出任务"),
    )

    class Meta:
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.actor_id}@{self.at:%Y-%m-%d %H:%M}"
