"""Background work through the Django Tasks API (django-tasks, with django-tasks-db's database
backend and its `jiefen db_worker` in production and for `make run`).

- `deliver_task` sends unsent notifications; the services enqueue it after their transaction
  commits.
- `sweep_tick` runs the sweep and keeps it periodic: before sweeping, it enqueues its own
  successor with run_after = now + interval, in the same transaction that records the
  successor as the one live link of the chain in SweepClock. A tick that is not the live link
  (left over from an earlier `jiefen sweep --schedule`) ends without sweeping or enqueuing, so
  scheduling again replaces the chain instead of doubling it; a worker killed mid-sweep has
  already enqueued the next tick, so the chain goes on. The sweep itself is idempotent (see
  sweep.py), so even two links running at once would do nothing twice.

Why a self-renewing task rather than a loop or cron: the database backend has no periodic
scheduler, and `make run` should need nothing but the worker; the chain lives in the same
database as the work, survives restarts, and needs no extra process. Where cron or a systemd
timer is preferred, `jiefen sweep` (once) does the same work.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

try:  # Django 6 has the Tasks API built in; 5.2 uses the backport.
    from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task

from jiefen.supervision.models import SweepClock
from jiefen.supervision.notifications import notifications_deliver
from jiefen.supervision.sweep import sweep_run

CLOCK = 1


def sweep_interval() -> int:
    return int(getattr(settings, "JIEFEN_SWEEP_INTERVAL", 300))


@task()
def deliver_task() -> int:
    return notifications_deliver()


@task(takes_context=True)
def sweep_tick(context: Any) -> dict[str, Any]:
    now = timezone.now()
    me = str(context.task_result.id)
    with transaction.atomic():
        clock = SweepClock.objects.select_for_update().filter(pk=CLOCK).first()
        if clock is None or clock.chain != me:
            return {"superseded": me}
        successor = sweep_tick.using(run_after=now + timedelta(seconds=clock.interval)).enqueue()
        clock.chain = str(successor.id)
        clock.last_started_at = now
        clock.save(update_fields=["chain", "last_started_at"])
    counts = sweep_run(now=now)
    SweepClock.objects.filter(pk=CLOCK).update(last_finished_at=timezone.now(), last_counts=counts)
    return counts


class CannotSchedule(Exception):
    """The configured task backend cannot run tasks later (e.g. the immediate backend)."""


def sweep_schedule(*, interval: int | None = None) -> str:
    """Start (or restart) the periodic sweep on the task backend: one tick now, each tick
    enqueuing the next. Returns the id of the first tick."""
    seconds = int(interval or sweep_interval())
    if seconds < 10:
        raise ValueError("the sweep interval must be at least 10 seconds")
    if not sweep_tick.get_backend().supports_defer:
        raise CannotSchedule(type(sweep_tick.get_backend()).__name__)
    with transaction.atomic():
        first = sweep_tick.enqueue()
        SweepClock.objects.update_or_create(
            pk=CLOCK, defaults={"chain": str(first.id), "interval": seconds}
        )
    return str(first.id)
