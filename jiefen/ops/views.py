"""Health endpoints for load balancers and process supervisors.

/healthz answers as long as the process serves requests; /healthz/ready also checks that the
database answers and that the task queue's table is reachable; /healthz/sweep answers 503 while
a duty of the sweep (a party's unanswered request rising by itself, anonymisation …) is not
registered or failed at its last run, with the count of failures. Both are cheap (one `SELECT 1`
and one primary-key probe, never a COUNT), need no login and say nothing about disputes or
people.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult

from jiefen.lib.registry import Slot


def _answer(ok: bool, checks: dict[str, Any]) -> JsonResponse:
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )


def _timed(probe: Any) -> dict[str, Any]:
    started = time.monotonic()
    try:
        probe()
    except DatabaseError as error:
        # The class of the error only: its text may carry connection details.
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _task_queue() -> None:
    # Touches the table and its primary-key index; reads at most one id.
    list(DBTaskResult.objects.order_by().values_list("pk", flat=True)[:1])


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    return _answer(True, {})


# How the sweep's hooks fared at their last run: a missing or failing hook means a duty (a
# party's unanswered request rising by itself, anonymisation …) was not done. The supervision
# app, which runs the sweep, registers it when it loads.
sweep_hooks_health: Slot[[], dict[str, Any]] = Slot(
    "sweep_hooks_health", provider="jiefen.supervision"
)


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    checks = {"database": _timed(_database)}
    checks["task_queue"] = _timed(_task_queue) if checks["database"]["ok"] else {"ok": False}
    return _answer(all(c["ok"] for c in checks.values()), checks)


SWEEP_TASK = "jiefen.supervision.tasks.sweep_tick"


def _last_sweep_tick() -> dict[str, Any]:
    """How the last sweep tick that ended ended: a tick past its time limit, stopped with its
    worker or left by a killed one is FAILED, and the sweep's duties of that turn undone."""
    last = (
        DBTaskResult.objects.filter(task_path=SWEEP_TASK, finished_at__isnull=False)
        .order_by("-finished_at")
        .values("status", "exception_class_path", "finished_at")
        .first()
    )
    if last is None:
        return {"ok": True, "status": None}
    failed = last["status"] == "FAILED"
    return {
        "ok": not failed,
        "status": last["status"],
        "error": last["exception_class_path"].rsplit(".", 1)[-1] if failed else "",
        "at": last["finished_at"].isoformat() if last["finished_at"] else None,
    }


@never_cache
@require_safe
def sweep(request: HttpRequest) -> JsonResponse:
    """503 while any sweep hook is missing or failed at its last run, or the last sweep tick
    failed (past its time limit, stopped), for monitoring."""
    hooks = sweep_hooks_health()
    tick = _last_sweep_tick()
    return _answer(hooks["ok"] and tick["ok"], {"sweep_hooks": hooks, "last_tick": tick})
