"""The writes of the import and export pages: an import job started, retried with its valid
rows only, or discarded; an export job queued, and its download recorded. The import itself
(read, check, write) is in the importing package, the export's workbook in exporting.py;
both run as tasks."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jiefen.disputes.forms import FilterForm
from jiefen.lib.errors import Invalid
from jiefen.org.scope import Scope, scope_of
from jiefen.search.query import parse
from jiefen.spreadsheets.exporting import plain_filters
from jiefen.spreadsheets.importing import digest_of
from jiefen.spreadsheets.models import ExportJob, ExportRecord, ImportJob

# Exports one person may have queued or running at once.
EXPORTS_AT_ONCE = 2


def _enqueue(job: ImportJob) -> None:
    from jiefen.spreadsheets.tasks import import_task

    transaction.on_commit(lambda: import_task.enqueue(job.pk))


def import_job_start(*, actor: Any, filename: str, raw: bytes, language: str) -> ImportJob:
    """A job for the uploaded file, queued for the worker once committed. A file already
    imported (the same bytes, not as a trial) is refused: importing it twice would register
    every dispute twice."""
    digest = digest_of(raw)
    if ImportJob.objects.filter(digest=digest, status=ImportJob.State.DONE, dry_run=False).exists():
        message = _("该文件已经导入过，不会重复导入")
        raise Invalid(message, fields={"file": [message]})
    with transaction.atomic():
        job = ImportJob.objects.create(
            actor=actor, filename=filename[:200], digest=digest, content=raw, language=language
        )
        _enqueue(job)
    return job


def import_job_valid_only(
    *, actor: Any, job: ImportJob, skip: str | None, language: str
) -> ImportJob:
    """The importer confirmed, seeing how many rows will be skipped: a new job imports the
    valid rows of a refused one, which is discarded."""
    if job.status != ImportJob.State.REFUSED or not job.content:
        raise Invalid(_("该导入任务不能再导入有效行"))
    # The page said how many rows would be skipped; refuse if that is not what the job holds.
    if skip != str(job.rows_invalid):
        raise Invalid(_("请确认跳过的行数后再导入"))
    with transaction.atomic():
        retry = ImportJob.objects.create(
            actor=actor,
            filename=job.filename,
            digest=job.digest,
            content=bytes(job.content),
            language=language or job.language,
            valid_only=True,
        )
        job.content = b""
        job.status = ImportJob.State.DISCARDED
        job.save(update_fields=["content", "status"])
        _enqueue(retry)
    return retry


def import_job_discard(*, job: ImportJob) -> None:
    """A refused job given up: its file is dropped."""
    if job.status == ImportJob.State.REFUSED:
        job.content = b""
        job.status = ImportJob.State.DISCARDED
        job.save(update_fields=["content", "status"])


# --- exports -----------------------------------------------------------------------------------


def _scope_json(scope: Scope) -> dict[str, Any]:
    return {"everything": scope.everything, "spans": [list(span) for span in scope.spans]}


def export_allowed(actor: Any, job: ExportJob) -> bool:
    """Whether the actor's jurisdiction still covers what it was when they asked: the file may
    hold any dispute of it."""
    now = scope_of(actor)
    then = job.scope or {}
    if then.get("everything"):
        return now.everything
    return all(now.covers((low, high)) for low, high in then.get("spans", []))


def export_job_start(
    *, actor: Any, query: Any, masked: bool, reason: str = "", language: str
) -> ExportJob:
    """Queue the export of the list the query selects (the list page's query string, as a
    QueryDict); the task worker builds the file once committed. An unmasked export needs a
    reason. A search for a phone or ID number is not exported: its number would be kept with
    the job (the list page offers no export for it)."""
    query = query.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    form = FilterForm(query or None, actor=actor)
    if form.is_bound and not form.is_valid():
        raise Invalid(_("筛选条件有误，请修改后再导出"))
    filters = dict(form.cleaned_data) if form.is_bound else {}
    searched = (filters.get("q") or "").strip()
    if searched and parse(searched).sensitive:
        raise Invalid(_("按电话或证件号码查找的结果不能导出，请改用其他条件筛选后导出"))
    reason = (reason or "").strip()
    if not masked and not reason:
        message = _("导出完整信息须说明理由")
        raise Invalid(message, fields={"reason": [message]})
    waiting = ExportJob.objects.filter(
        actor=actor, status__in=(ExportJob.State.QUEUED, ExportJob.State.RUNNING)
    ).count()
    if waiting >= EXPORTS_AT_ONCE:
        raise Invalid(_("您已有导出正在进行，请等其完成后再导出"))
    with transaction.atomic():
        job = ExportJob.objects.create(
            actor=actor,
            query=query.urlencode(),
            filters=plain_filters(filters),
            scope=_scope_json(scope_of(actor)),
            masked=masked,
            reason=reason[:200],
            language=language,
        )
        from jiefen.spreadsheets.tasks import export_task

        transaction.on_commit(lambda: export_task.enqueue(job.pk))
    return job


def export_downloaded(*, actor: Any, job: ExportJob) -> ExportRecord:
    """The file handed to the actor: recorded as every export always was — who, when, which
    list, how many rows, masked or with the reason — naming the job."""
    return ExportRecord.objects.create(
        actor=actor,
        filters=job.filters,
        rows=job.rows,
        masked=job.masked,
        reason=job.reason,
        job=job,
    )
