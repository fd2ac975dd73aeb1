"""The early warnings are computed on the task worker (warning_reports.reports_refresh)."""

from __future__ import annotations

try:  # Django 6 has the Tasks API built in; 5.2 uses the backport.
    from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task

from jiefen.metrics.warning_reports import reports_refresh


@task()
def warning_reports_task() -> int:
    return reports_refresh()
