"""The task worker (`jiefen db_worker`): django-tasks-db's worker with a time limit per task
kind, a clean stop on SIGTERM, and no task left "running" for good.

- **Time limit.** Each task kind has one (TIME_LIMITS, overridden by the setting
  JIEFEN_TASK_TIME_LIMITS = {task path: seconds}); a task still running when it passes gets
  TaskTimedOut raised inside it. The task's own code turns that into what the person sees (an
  import ends "failed" with the reason on its page); the task result ends FAILED.
- **SIGTERM / SIGINT.** The worker takes no new task. The running one has `grace` seconds
  (--grace, default GRACE) to finish; past that, WorkerStopping is raised inside it, it ends
  FAILED with the reason, and the worker exits. A second signal stops the task at once.
- **Killed outright** (SIGKILL, a power cut): nothing can run in the dying process, so every
  worker, when it starts and then every REAP_EVERY seconds, fails the tasks still marked
  RUNNING long after their time limit and grace — no live worker can still be running them —
  and calls the task kind's on_abandon hook (an import's job then ends "failed" too).

The limit and the stop are raised from a SIGALRM/SIGTERM handler in the worker's main thread,
only while the task's own code runs, never while the worker records the result. TaskStopped
derives from BaseException, like KeyboardInterrupt, so that code which carries on past an
ordinary error (the sweep's hooks) does not swallow it; transactions roll back on it.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# Seconds. An import of the largest file allowed (50,000 rows at about 50 ms a row) takes
# about 45 minutes; an export of a city's list a minute or two; the sweep of a county a few
# seconds; sending notifications under a minute.
TIME_LIMITS: dict[str, int] = {
    "jiefen.spreadsheets.tasks.import_task": 60 * 60,
    "jiefen.spreadsheets.tasks.export_task": 15 * 60,
    "jiefen.supervision.tasks.sweep_tick": 15 * 60,
    "jiefen.supervision.tasks.deliver_task": 5 * 60,
    "jiefen.supervision.tasks.arrivals_task": 5 * 60,
    "jiefen.metrics.tasks.warning_reports_task": 15 * 60,
}
DEFAULT_LIMIT = 15 * 60
GRACE = 10  # seconds a running task may take to finish after SIGTERM
REAP_EVERY = 60


class TaskStopped(BaseException):
    """Raised inside a running task to end it: its time limit passed, or the worker stops."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


class TaskTimedOut(TaskStopped):
    """The task ran past its kind's time limit (`seconds`)."""

    def __str__(self) -> str:
        return f"time limit of {self.seconds:g} s passed"


class WorkerStopping(TaskStopped):
    """The worker was told to stop and the task did not finish within the grace period."""

    def __str__(self) -> str:
        return f"worker stopped; the task did not finish within {self.seconds:g} s"


class TaskAbandoned(Exception):
    """Recorded on a task left RUNNING by a worker that died without a word."""


def time_limit(task_path: str) -> float:
    limits = TIME_LIMITS | dict(getattr(settings, "JIEFEN_TASK_TIME_LIMITS", {}) or {})
    return float(limits.get(task_path, DEFAULT_LIMIT))


# --- what a task kind does when its task is found abandoned ------------------------------------

_ON_ABANDON: dict[str, Callable[[DBTaskResult], None]] = {}


def on_abandon(task: Any) -> Callable[[Callable[[DBTaskResult], None]], Any]:
    """Register `hook(task_result)`, called when a task of this kind is found abandoned (its
    worker killed); e.g. ends the import job the task was running."""

    def register(hook: Callable[[DBTaskResult], None]) -> Callable[[DBTaskResult], None]:
        _ON_ABANDON[task.module_path] = hook
        return hook

    return register


def reap_abandoned(*, now: Any = None, grace: float = GRACE) -> list[str]:
    """Fail the tasks still RUNNING past their time limit plus grace (and a minute more): the
    worker that claimed them is gone. Returns their ids."""
    now = now or timezone.now()
    reaped: list[str] = []
    running = DBTaskResult.objects.running().filter(started_at__isnull=False)
    for task_path in running.values_list("task_path", flat=True).distinct():
        cutoff = now - timedelta(seconds=time_limit(task_path) + grace + 60)
        for stale in running.filter(task_path=task_path, started_at__lt=cutoff):
            with transaction.atomic():
                row = DBTaskResult.objects.select_for_update().filter(pk=stale.pk).first()
                if row is None or row.status != "RUNNING":
                    continue
                row.set_failed(
                    TaskAbandoned(f"worker {', '.join(row.worker_ids)} gone while it ran")
                )
            # Importing the task's module registers its hook (a task gone from the code has none).
            with contextlib.suppress(Exception):
                row.task  # noqa: B018
            hook = _ON_ABANDON.get(task_path)
            if hook is not None:
                try:
                    hook(row)
                except Exception:
                    logger.exception("on_abandon hook of %s failed for %s", task_path, row.pk)
            logger.warning("Task id=%s (%s) abandoned by its worker: failed", row.pk, task_path)
            reaped.append(str(row.pk))
    return reaped


# --- the worker ---------------------------------------------------------------------------------


class GuardedWorker(Worker):
    def __init__(self, *, grace: float = GRACE, **options: Any) -> None:
        super().__init__(**options)
        self.grace = grace
        self._in_task = False  # the task's own code is running (not the worker's bookkeeping)
        self._stopping_since: float | None = None
        self._pending: TaskStopped | None = None
        self._limit = 0.0
        self._last_reap = 0.0

    # signals

    def configure_signals(self) -> None:
        super().configure_signals()
        if hasattr(signal, "SIGALRM"):
            signal.signal(signal.SIGALRM, self._alarm)

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        name = signal.strsignal(signum)
        if not self.running_task:
            logger.warning("Received %s - stopping.", name)
            self.running = False
            sys.exit(0)
        if self.running:
            self.running = False
            self._stopping_since = time.monotonic()
            logger.warning(
                "Received %s - letting the running task finish for %gs, then stopping it.",
                name,
                self.grace,
            )
            if self.grace > 0:
                self._arm(min(self.grace, self._left()))
                return
        else:
            logger.warning("Received %s again - stopping the running task now.", name)
        self._stop(WorkerStopping(self.grace))

    def _alarm(self, signum: int, frame: FrameType | None) -> None:
        if self._stopping_since is not None:
            self._stop(WorkerStopping(self.grace))
        else:
            self._stop(TaskTimedOut(self._limit))

    def _stop(self, stop: TaskStopped) -> None:
        if self._in_task:
            self._in_task = False
            raise stop
        # Between the task's code and the worker's records: stop it if it starts.
        self._pending = stop

    def _left(self) -> float:
        remaining = signal.getitimer(signal.ITIMER_REAL)[0] if hasattr(signal, "SIGALRM") else 0
        return remaining or self.grace

    @staticmethod
    def _arm(seconds: float) -> None:
        if hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread():
            signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))

    @staticmethod
    def _disarm() -> None:
        if hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread():
            signal.setitimer(signal.ITIMER_REAL, 0)

    # the loop

    def run(self) -> None:
        self._reap()
        super().run()

    def _reap(self) -> None:
        self._last_reap = time.monotonic()
        try:
            reap_abandoned(grace=self.grace)
        except Exception:
            logger.exception("Could not look for abandoned tasks")

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """As django-tasks-db's, with the task's own code under its time limit and the stop."""
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            args, kwargs = task_result.args, task_result.kwargs
            if task.takes_context:
                args = [TaskContext(task_result=task_result), *args]
            return_value = self._call(task.call, db_task_result.task_path, args, kwargs)
            db_task_result.set_successful(return_value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except BaseException as error:
            self._in_task = False
            self._disarm()
            if isinstance(error, TaskStopped):
                logger.warning("Task id=%s stopped: %s", db_task_result.id, error)
            db_task_result.set_failed(error)
            try:
                sender = type(db_task_result.task.get_backend())
                task_result = db_task_result.task_result
            except Exception:
                logger.exception("Task id=%s failed unexpectedly", db_task_result.id)
            else:
                task_finished.send(sender=sender, task_result=task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1
            if time.monotonic() - self._last_reap > REAP_EVERY:
                self._reap()

    def _call(self, call: Callable[..., Any], task_path: str, args: Any, kwargs: Any) -> Any:
        self._limit = time_limit(task_path)
        pending, self._pending = self._pending, None
        if pending is not None or not self.running:
            raise pending or WorkerStopping(self.grace)
        self._arm(self._limit)
        self._in_task = True
        try:
            return call(*args, **kwargs)
        finally:
            self._in_task = False
            self._disarm()
