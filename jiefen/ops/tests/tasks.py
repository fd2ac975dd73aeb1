"""Tasks for the worker's tests: one that naps, in short steps, for as long as it is told."""

import time

try:  # Django 6 has the Tasks API built in; 5.2 uses the backport.
    from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task


@task()
def nap(seconds: float) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.05)
    return "woke"
