"""The import and the export run in the background on the task backend (the worker of
`make run`), under their time limits (jiefen.ops.worker.TIME_LIMITS)."""

from __future__ import annotations

from typing import Any

try:  # Django 6 has the Tasks API built in; 5.2 uses the backport.
    from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task

from django.utils import translation
from django.utils.translation import gettext as _

from jiefen.ops.worker import on_abandon
from jiefen.spreadsheets.exporting import job_failed, run_export
from jiefen.spreadsheets.importing import job_stopped, run_job


@task()
def import_task(job_id: int) -> str:
    return run_job(job_id).status


@on_abandon(import_task)
def import_abandoned(task_result: Any) -> None:
    """The worker running this import was killed: the job ends "failed" with the reason."""
    from jiefen.spreadsheets.models import ImportJob

    job = ImportJob.objects.filter(pk=(task_result.task_result.args or [0])[0]).first()
    if job is None or not job.running:
        return
    with translation.override(job.language):
        job_stopped(job, _("导入因系统停止服务而中断。"), None, 0)


@task()
def export_task(job_id: int) -> str:
    return run_export(job_id).status


@on_abandon(export_task)
def export_abandoned(task_result: Any) -> None:
    """The worker building this export was killed: the job ends "failed" with the reason."""
    from jiefen.spreadsheets.models import ExportJob

    job = ExportJob.objects.filter(pk=(task_result.task_result.args or [0])[0]).first()
    if job is None or not job.running:
        return
    with translation.override(job.language):
        job_failed(job, _("导出因系统停止服务而中断，请重新导出。"))
