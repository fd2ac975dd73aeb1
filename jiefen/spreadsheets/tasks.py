"""The import runs in the background on the task backend (the worker of `make run`)."""

from __future__ import annotations

try:  # Django 6 has the Tasks API built in; 5.2 uses the backport.
    from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task

from jiefen.spreadsheets.importing import run_job


@task()
def import_task(job_id: int) -> str:
    return run_job(job_id).status
