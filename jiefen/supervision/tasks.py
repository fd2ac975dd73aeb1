"""Background work through the Django Tasks API (django-tasks, with django-tasks-db's database
backend and its `jiefen db_worker` in production and for `make run`).

- `deliver_task` sends unsent notifications; the services enqueue it after their transaction
  commits.
- `sms_send_task` makes one attempt at a text message (sms_delivery.py): enqueued when the
  message is recorded, and again with run_after for each retry after a failure.
- `arrivals_task` tells the heads of a body a dispute was transferred, assigned or returned
  to, seconds after the move: every such event enqueues it once its transaction commits
  (`arrivals_follow`, an event follower of the dispute services). It runs the sweep's
  arrivals step, so the sweep stays the fallback for a task lost or failed, and the step's
  cursor and the notices' natural keys keep either from telling anyone twice.
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

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

try:  # Django 6 has the Tasks API built in; 5.2 uses the backport.
    from django.tasks import task  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task

from jiefen.ops.batches import step_retried
from jiefen.supervision import sweep
from jiefen.supervision.models import SweepClock, SweepCursor
from jiefen.supervision.notifications import notifications_deliver
from jiefen.supervision.sms_delivery import sms_send
from jiefen.supervision.sweep import sweep_run

CLOCK = 1
log = logging.getLogger(__name__)


def sweep_interval() -> int:
    return int(getattr(settings, "JIEFEN_SWEEP_INTERVAL", 300))


@task()
def deliver_task() -> int:
    return notifications_deliver()


@task()
def sms_send_task(message_id: int) -> str:
    return sms_send(message_id)


@task()
def arrivals_task(event_id: int, at: str) -> int:
    """The sweep's arrivals step now, for the move that wrote event `event_id` at `at` (ISO):
    the step reads the events since its cursor, so it announces this move and any other not
    yet announced. A cursor not placed yet (no sweep has run) is placed just before the event,
    where the sweep's first run would have placed it at the newest event and announced
    nothing."""
    SweepCursor.objects.get_or_create(
        name=sweep.EVENTS_CURSOR, defaults={"position": max(0, int(event_id) - 1)}
    )
    # The step's window of recent events is counted from the move, not from the clock.
    offered = step_retried(sweep.arrivals_notify, now=datetime.fromisoformat(at))
    if offered:
        notifications_deliver()
    return offered


def arrivals_soon(event_id: int, at: str) -> None:
    try:
        arrivals_task.enqueue(event_id, at)
    except Exception:  # the sweep will announce it
        log.exception("could not enqueue the arrivals step")


def arrivals_follow(event: Any, dispute: Any) -> None:
    """After a transfer, an assignment or a return commits, the arrivals step as a task:
    once per transaction however many moves it made (the step finds them all)."""
    if event.action not in sweep.ARRIVALS:
        return
    pending = getattr(connection, "_jiefen_arrivals", None)
    if pending is not None and not pending.ran and pending.entry in connection.run_on_commit:
        return  # already asked for in this transaction
    connection._jiefen_arrivals = _Pending(event.pk, event.at.isoformat())  # type: ignore[attr-defined]


class _Pending:
    """The arrivals step asked for by a transaction, run once it commits."""

    def __init__(self, event_id: int, at: str) -> None:
        self.call = (event_id, at)
        self.ran = False
        self.entry: Any = None
        transaction.on_commit(self.run)
        if connection.in_atomic_block:
            self.entry = connection.run_on_commit[-1]

    def run(self) -> None:
        self.ran = True
        arrivals_soon(*self.call)


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
