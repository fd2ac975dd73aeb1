"""An import as a background job (ImportJob): run to its end with its progress on the job's
page, stopped — by an error, the task's time limit or the worker stopping — as "failed" with
the reason and what is in, and the bytes of refused files nobody came back to forgotten."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiefen.audit.services import audit_bulk
from jiefen.ops.worker import TaskStopped, TaskTimedOut
from jiefen.spreadsheets.importing.checking import Progress, Result, RowError
from jiefen.spreadsheets.importing.reading import FileError
from jiefen.spreadsheets.importing.writing import import_file


def error_rows(errors: list[Any]) -> Iterator[list[Any]]:
    """Errors as [row, column, message] lists, from RowError objects or stored JSON."""
    for e in errors:
        yield e.as_list() if isinstance(e, RowError) else list(e)


KEEP_REFUSED = timedelta(days=1)


def purge_stale_files(now: datetime | None = None) -> int:
    """Forget the bytes of refused files nobody came back to within a day: they hold parties'
    personal data in clear and are kept only for the "import the valid rows" choice."""
    from jiefen.spreadsheets.models import ImportJob

    cutoff = (now or timezone.now()) - KEEP_REFUSED
    stale = list(
        ImportJob.objects.filter(status=ImportJob.State.REFUSED, created_at__lt=cutoff)
        .exclude(content=b"")
        .values_list("pk", flat=True)
    )
    if not stale:
        return 0
    with transaction.atomic():
        purged = ImportJob.objects.filter(pk__in=stale).update(
            content=b"", status=ImportJob.State.DISCARDED
        )
        audit_bulk(model=ImportJob, action="update", pks=stale, fields=["content", "status"])
    return purged


def run_job(job_id: int, progress: Progress | None = None) -> Any:
    """Run an ImportJob to its end, recording progress on it between chunks. Whatever stops
    it — an error, the task's time limit, the worker stopping — the job ends "failed" with the
    reason on its page, and the exception goes on to the task worker."""
    from jiefen.spreadsheets.models import ImportJob

    purge_stale_files()
    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    if not job.running:
        return job
    State = ImportJob.State

    def record(phase: str, done: int, total: int) -> None:
        fields: dict[str, Any] = {"rows_total": total}
        if phase == "check":
            fields |= {"status": State.CHECKING, "rows_checked": done}
        else:
            fields |= {"status": State.IMPORTING, "rows_done": done}
        ImportJob.objects.filter(pk=job.pk).update(**fields)  # audit-exempt: progress counters
        if progress:
            progress(phase, done, total)

    with translation.override(job.language):
        # audit-exempt: the job's own progress; what it imports is recorded row by row
        ImportJob.objects.filter(pk=job.pk).update(status=State.CHECKING)
        done_before = (
            ImportJob.objects.filter(digest=job.digest, status=State.DONE, dry_run=False)
            .exclude(pk=job.pk)
            .exists()
        )
        try:
            if done_before and not job.dry_run:
                raise FileError(_("该文件已经导入过，不会重复导入"))
            result = import_file(
                job.actor,
                bytes(job.content),
                job.filename,
                valid_only=job.valid_only,
                dry_run=job.dry_run,
                progress=record,
            )
        except FileError as error:
            result = Result(errors=[RowError(1, "", str(error))], refused=True)
        except TaskStopped as stop:
            partial, from_row = getattr(stop, "partial", (None, 0))
            job_stopped(job, stop_reason(stop), partial, from_row)
            raise
        except BaseException:
            job_stopped(job, _("导入因系统错误中断。"), None, 0)
            raise
    job.refresh_from_db()
    job.rows_total = result.total
    job.rows_invalid = result.invalid_rows
    job.rows_done = result.imported
    job.errors = [e.as_list() for e in result.errors]
    if result.numbers:
        job.first_number, job.last_number = result.numbers[0], result.numbers[-1]
    if result.failed:
        job.status = State.FAILED
    elif result.refused:
        job.status = State.REFUSED
    else:
        job.status = State.DONE
    # The file carries personal data in clear: keep it only while the importer may still
    # choose to import the valid rows of a refused file.
    if job.status != State.REFUSED or job.dry_run:
        job.content = b""
    job.finished_at = timezone.now()
    job.save()
    return job


def stop_reason(stop: BaseException) -> str:
    if isinstance(stop, TaskTimedOut):
        return _("导入超过 %(minutes)d 分钟的时限，已中止。") % {
            "minutes": max(1, round(stop.seconds / 60))
        }
    return _("导入因系统停止服务而中断。")


def job_stopped(job: Any, reason: str, partial: Result | None, from_row: int) -> None:
    """End a job that was stopped before its end: "failed", with the reason and what is in."""
    from jiefen.spreadsheets.models import ImportJob

    job.refresh_from_db()
    if not job.running:
        return
    if partial is not None and partial.imported:
        job.rows_done = partial.imported
        job.first_number, job.last_number = partial.numbers[0], partial.numbers[-1]
        reason += " " + _(
            "已导入的 %(done)d 行见上方编号；第 %(row)d 行起均未导入，请删去已导入的行后重新上传。"
        ) % {"done": partial.imported, "row": from_row}
    elif job.status == ImportJob.State.IMPORTING:
        reason += " " + _("已导入的行见纠纷列表；请核对后只上传未导入的行。")
    else:
        reason += " " + _("未导入任何一行，请重新上传。")
    job.failure = reason[:500]
    job.status = ImportJob.State.FAILED
    job.content = b""
    job.finished_at = timezone.now()
    job.save()
