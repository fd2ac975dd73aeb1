"""The writes of the import pages: an import job started, retried with its valid rows only, or
discarded. The import itself (read, check, write) is in importing.py and runs as a task."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jiefen.lib.errors import Invalid
from jiefen.spreadsheets.importing import digest_of
from jiefen.spreadsheets.models import ImportJob


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
