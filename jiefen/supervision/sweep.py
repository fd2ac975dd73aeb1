"""The periodic sweep: recolour deadlines and create the follow-ups, each exactly once.

`sweep_run(now=…)` does, in order:

1. warnings: jiefen.disputes.deadlines.warnings_refresh (three range updates);
2. a notification to the owner and the holding body's heads for every dispute that is yellow
   or red for its current due date and was not yet noticed (a SweepMark per dispute, colour
   and due date);
3. a notification to the receiving body's heads for every transfer up and assignment to a
   department since the last run, read from the dispute events after a cursor;
4. supervision orders past their due date unanswered: escalated once to the receiver's heads
   and the issuer, and written in the dispute's history;
5. major-risk or mass disputes at county level without a leader: flagged once to the county
   heads;
6. the duties of other apps, registered by them when they load (hook_register; see HOOKS for
   the ones that must be there): a party's unanswered escalation or review request acted on,
   screening reminders, meetings, judicial-confirmation reminders, session reminders to the
   parties, anonymisation, export files past their day removed. Each is
   called with today=…. A hook that is missing or raises is loud: logged as an error, counted
   as -1 in the run's counts and in SweepHookStatus, which /healthz/sweep reports (503);
   the tests fail on either.
7. sending what is unsent (e-mail, SMS), and the text messages whose retry is due.

Idempotent and safe with several workers: every unit of work (a chunk of disputes, the event
cursor, one order) is its own short transaction, and each claims its rows before acting — a
SweepMark inserted with ON CONFLICT DO NOTHING … RETURNING, an order's escalated_at set by a
compare-and-swap update, the cursor row locked — so a second sweep, concurrent or after a
crash half-way, finds the work done and does nothing twice; an interrupted chunk is rolled
back whole and done by the next run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from jiefen.audit import chain
from jiefen.audit.services import audit_bulk
from jiefen.calendars.services import calendar_current
from jiefen.disputes.deadlines import warnings_refresh
from jiefen.disputes.models import Risk, Tier, Warning
from jiefen.disputes.reads import (
    disputes_open,
    disputes_with_ids,
    event_latest_id,
    events_in,
)
from jiefen.disputes.services import deadline_params, dispute_lock, event_append
from jiefen.ops.batches import step_retried, write_batch
from jiefen.supervision import events
from jiefen.supervision.access import heads_of
from jiefen.supervision.models import (
    Kind,
    LeaderOwnership,
    Notification,
    OwnershipStatus,
    SupervisionOrder,
    SweepCursor,
    SweepHookStatus,
    SweepMark,
)
from jiefen.supervision.notifications import notifications_deliver, notify_bulk
from jiefen.supervision.sms_delivery import sms_retry_due

log = logging.getLogger(__name__)

# Disputes per write transaction of a step: a few milliseconds of inserts each.
CHUNK = 200
# Events are read again this far behind the cursor: an event whose transaction commits after
# a later one (ids are handed out at insert, not at commit) is still seen. Reading one twice
# is harmless — its notification exists already.
EVENT_LAG = 1000
# Only transfers and assignments this recent are announced (not those of a bulk import).
RECENT = timedelta(days=3)
EVENTS_CURSOR = "events"
# The hooks that must be registered, in the order they run. A lower layer does not import the
# apps above it; they register their function when they load (their AppConfig.ready).
HOOKS = (
    "escalations_overdue",  # jiefen.portal
    "reviews_overdue",  # jiefen.portal
    "screening_reminders",  # jiefen.meetings
    "meetings_sweep",  # jiefen.meetings
    "confirmation_reminders",  # jiefen.documents
    "appointment_reminders",  # jiefen.appointments
    "parties_anonymise_due",  # jiefen.privacy
    "warning_reports_due",  # jiefen.metrics
    "mediator_requests_overdue",  # jiefen.mediators
    "exports_expire",  # jiefen.spreadsheets
)
_hooks: dict[str, Callable[..., Any]] = {}


def hook_register(name: str, function: Callable[..., Any]) -> None:
    if name not in HOOKS:
        raise ValueError(f"unknown sweep hook {name!r}: add it to supervision.sweep.HOOKS")
    _hooks[name] = function


def hooks_missing() -> list[str]:
    return [name for name in HOOKS if name not in _hooks]


def hooks_health() -> dict[str, Any]:
    """How the sweep's hooks fared at their last run, for /healthz/sweep (jiefen.ops.views): a
    missing or failing hook means a duty (a party's unanswered request rising by itself,
    anonymisation …) was not done."""
    failing = {
        name: {
            "error": error,
            "failures": failures,
            "since": failed.isoformat() if failed else None,
        }
        for name, error, failures, failed in SweepHookStatus.objects.exclude(last_error="")
        .filter(name__in=HOOKS)
        .values_list("name", "last_error", "failures", "last_failed_at")
    }
    for name in hooks_missing():
        failing.setdefault(name, {"error": "NotRegistered", "failures": None, "since": None})
    return {"ok": not failing, "failing": failing, "failing_count": len(failing)}


def sweep_run(
    *, now: datetime | None = None, chunk: int = CHUNK, timings: dict[str, float] | None = None
) -> dict[str, int]:
    """One pass of the sweep as of `now`; returns what it did, by step. `timings`, if given,
    receives the seconds each step took."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts: dict[str, int] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        if timings is not None:
            timings[step] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    changed = step_retried(warnings_refresh, today=today, calendar=calendar_current())
    counts.update({f"recoloured_{colour}": n for colour, n in changed.items()})
    lap("warnings")
    counts["yellow"] = step_retried(warnings_notify, Warning.YELLOW, now=now, chunk=chunk)
    analyze_if_grown(counts["yellow"])
    counts["red"] = step_retried(warnings_notify, Warning.RED, now=now, chunk=chunk)
    analyze_if_grown(counts["red"])
    lap("warning_notifications")
    counts["arrivals"] = step_retried(arrivals_notify, now=now)
    lap("arrivals")
    counts["orders_escalated"] = step_retried(orders_escalate, today=today, now=now)
    lap("orders")
    counts["leader_missing"] = step_retried(leaders_missing, now=now, chunk=chunk)
    analyze_if_grown(counts["leader_missing"] + counts["arrivals"])
    lap("leaders")
    counts.update(hooks_run(today=today, now=now))
    lap("hooks")
    counts["sent"] = step_retried(notifications_deliver, at=now)
    counts["sms_retried"] = step_retried(sms_retry_due, now=now)
    lap("delivery")
    # The audit records of what the sweep (and any writer whose process died after its
    # commit) wrote join the hash chain (audit/chain.py: writers never wait on its head).
    counts["audit_sealed"] = chain.seal()
    lap("audit_seal")
    return counts


# ---------------------------------------------------------------------------------------------
# Claiming

# After this many new rows, the sweep refreshes PostgreSQL's statistics of its tables itself.
ANALYZE_AFTER = 2000


def analyze_if_grown(written: int) -> None:
    """Refresh the planner's statistics of the sweep's tables after a large batch of rows.

    The sweep's queries join the coloured disputes against the marks and page through the
    unsent notifications. Just after a bulk of inserts (the first run on an existing
    database, a day when thousands turn red) the statistics may still say the tables are
    empty, and the planner then scans them once per dispute — minutes instead of a second.
    ANALYZE samples a bounded number of rows, so it costs little at any size."""
    if written < ANALYZE_AFTER or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (SweepMark, Notification):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def claim(kind: str, rows: Iterable[tuple[int, date | None]], now: datetime) -> set[int]:
    """Insert a SweepMark for each (dispute id, due date) not marked yet; returns the dispute
    ids this call inserted — its to act on. Concurrent callers wait on each other's
    uncommitted rows (PostgreSQL) or on the write lock (SQLite) and get back only what they
    inserted themselves."""
    rows = list(rows)
    if not rows:
        return set()
    ops = connection.ops
    table = ops.quote_name(SweepMark._meta.db_table)
    at = ops.adapt_datetimefield_value(now)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params: list[Any] = []
    for dispute_id, due in rows:
        params += [kind, dispute_id, ops.adapt_datefield_value(due), at]
    sql = (
        f"INSERT INTO {table} (kind, dispute_id, due, at) VALUES {values} "
        f"ON CONFLICT DO NOTHING RETURNING dispute_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# ---------------------------------------------------------------------------------------------
# Steps

WARNING_KINDS = {Warning.YELLOW: Kind.YELLOW, Warning.RED: Kind.RED}


def warnings_notify(warning: int, *, now: datetime, chunk: int = CHUNK) -> int:
    """Notify the owner and the holder's heads of each dispute that has `warning` for its
    current due date and was not noticed yet."""
    kind = WARNING_KINDS[Warning(warning)]
    noticed = SweepMark.objects.filter(kind=kind, dispute=OuterRef("pk"), due=OuterRef("due_date"))
    pending = list(
        disputes_open(warning=warning, due_date__isnull=False)
        .exclude(Exists(noticed))
        .order_by("id")
        .values_list("id", flat=True)
    )
    offered = 0
    for ids in _chunks(pending, chunk):
        # Read outside the transaction (no lock); checked again and claimed inside it.
        facts = {
            row[0]: row
            for row in disputes_with_ids(ids)
            .order_by("id")
            .values_list("id", "due_date", "due_action", "number", "owner_id", "holder_id")
        }
        heads = heads_of({row[5] for row in facts.values()})
        with write_batch():
            still = list(
                disputes_open(pk__in=ids, warning=warning)
                .exclude(due_date=None)
                .order_by("id")
                .values_list("id", "due_date")
            )
            won = claim(kind, still, now)
            due_now = dict(still)
            rows = [
                (pk, due_now[pk], action, number, owner, holder)
                for pk, _due, action, number, owner, holder in facts.values()
                if pk in won
            ]
            offered += notify_bulk(
                kind=kind,
                rows=[
                    (
                        [owner, *heads.get(holder, [])],
                        pk,
                        due.isoformat(),
                        {"number": number, "due": due.isoformat(), "due_action": action},
                    )
                    for pk, due, action, number, owner, holder in rows
                    if due is not None
                ],
                at=now,
                deliver=False,
            )
    return offered


ARRIVALS = {
    "transfer": ("to_body", Kind.TRANSFERRED),
    "assign": ("department", Kind.ASSIGNED),
    "return": ("holder", Kind.RETURNED),
}


# Events read per transaction of the arrivals step.
EVENT_WINDOW = 5000


def arrivals_notify(*, now: datetime, window: int = EVENT_WINDOW) -> int:
    """Notify the heads of the body a dispute was transferred or assigned to, for the events
    written since the cursor, `window` event ids per transaction (a cursor far behind, after
    the worker was stopped for a day, is caught up in short steps). The first run only places
    the cursor at the newest event."""
    from jiefen.org.models import Body

    latest = event_latest_id()
    offered = 0
    first = True
    while True:
        with write_batch():
            cursor, created = SweepCursor.objects.select_for_update().get_or_create(
                name=EVENTS_CURSOR, defaults={"position": latest}
            )
            if created or (cursor.position >= latest and not first):
                return offered
            upto = min(latest, cursor.position + window)
            rows = list(
                events_in(
                    after_id=cursor.position - (EVENT_LAG if first else 0),
                    upto_id=upto,
                    actions=ARRIVALS,
                    start=now - RECENT,
                )
                .order_by("id")
                .values_list("id", "dispute_id", "action", "params", "dispute__number")
            )
            bodies: dict[int, None] = {}
            for _id, _dispute, action, params, _number in rows:
                body_id = (params or {}).get(ARRIVALS[action][0])
                if body_id:
                    bodies[body_id] = None
            names = dict(Body.objects.filter(pk__in=list(bodies)).values_list("pk", "name"))
            heads = heads_of(names)
            for action, (field, kind) in ARRIVALS.items():
                offered += notify_bulk(
                    kind=kind,
                    rows=[
                        (
                            heads.get(params[field], []),
                            dispute_id,
                            str(event_id),
                            {
                                "number": number,
                                "body": names.get(params[field], ""),
                                "event": event_id,
                                "due": (params or {}).get("due", ""),
                            },
                        )
                        for event_id, dispute_id, act, params, number in rows
                        if act == action and (params or {}).get(field)
                    ],
                    at=now,
                    deliver=False,
                )
            if upto > cursor.position:
                cursor.position = upto
                cursor.save(update_fields=["position"])
        first = False
        if upto >= latest:
            return offered


def orders_escalate(*, today: date, now: datetime) -> int:
    """Escalate each order past its due date without an answer, once: an event in the
    dispute's history and a notification to the receiver's heads and the issuer."""
    candidates = list(
        SupervisionOrder.objects.filter(
            answered_at__isnull=True, escalated_at__isnull=True, due_date__lt=today
        )
        .order_by("due_date", "id")
        .values_list("pk", "dispute_id")
    )
    escalated = 0
    for pk, dispute_id in candidates:
        with write_batch():
            # The dispute row first, as every writer of its history locks it.
            dispute = dispute_lock(dispute_id)
            won = SupervisionOrder.objects.filter(
                pk=pk, answered_at__isnull=True, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not won:
                continue  # answered or escalated by another worker since the list was read
            audit_bulk(model=SupervisionOrder, action="update", pks=[pk], fields=["escalated_at"])
            order = SupervisionOrder.objects.select_related("to_body").get(pk=pk)
            deadline = deadline_params(dispute)
            event_append(
                dispute=dispute,
                action=events.ORDER_OVERDUE,
                actor=None,
                at=now,
                from_status=dispute.status,
                to_status=dispute.status,
                body_id=order.to_body_id,
                params=deadline | {"order": order.pk, "order_due": order.due_date.isoformat()},
                public=False,
            )
            notify_bulk(
                kind=Kind.ORDER_OVERDUE,
                rows=[
                    (
                        [
                            *heads_of([order.to_body_id]).get(order.to_body_id, []),
                            order.issued_by_id,
                        ],
                        dispute.pk,
                        str(order.pk),
                        {
                            "number": dispute.number,
                            "order": order.pk,
                            "due": order.due_date.isoformat(),
                            "body": order.to_body.name,
                        },
                    )
                ],
                at=now,
                deliver=False,
            )
            escalated += 1
    return escalated


def leaders_missing(*, now: datetime, chunk: int = CHUNK) -> int:
    """Flag, once each, the major-risk or mass disputes at county level with no leader, to the
    heads of the county body holding them (the rule county-assign-leader wants a leader by
    the next joint meeting; its date is the dispute's due date while that is the action)."""
    led = LeaderOwnership.objects.filter(dispute=OuterRef("pk"), status=OwnershipStatus.ACTIVE)
    noticed = SweepMark.objects.filter(
        kind=Kind.LEADER_MISSING, dispute=OuterRef("pk"), due__isnull=True
    )
    pending = list(
        disputes_open(tier=Tier.COUNTY)
        .filter(Q(risk=Risk.MAJOR) | Q(mass=True))
        .exclude(Exists(led))
        .exclude(Exists(noticed))
        .order_by("id")
        .values_list("id", flat=True)
    )
    offered = 0
    for ids in _chunks(pending, chunk):
        facts = {
            row[0]: row
            for row in disputes_with_ids(ids)
            .order_by("id")
            .values_list("id", "number", "holder_id", "due_date", "due_action")
        }
        heads = heads_of({row[2] for row in facts.values()})
        with write_batch():
            still = disputes_with_ids(ids).exclude(Exists(led)).values_list("id")
            won = claim(Kind.LEADER_MISSING, [(pk, None) for (pk,) in still], now)
            rows = [row for pk, row in facts.items() if pk in won]
            offered += notify_bulk(
                kind=Kind.LEADER_MISSING,
                rows=[
                    (
                        heads.get(holder, []),
                        pk,
                        "",
                        {
                            "number": number,
                            "due": due.isoformat() if due and action == "assign_leader" else "",
                        },
                    )
                    for pk, number, holder, due, action in rows
                ],
                at=now,
                deliver=False,
            )
    return offered


def hooks_run(*, today: date, now: datetime) -> dict[str, int]:
    """Call the other apps' registered duties; one failing does not stop the rest, and every
    failure is loud (see the module docstring)."""
    done: dict[str, int] = {}
    for name in HOOKS:
        function = _hooks.get(name)
        error = ""
        if function is None:
            log.error("sweep hook %s is not registered: its duty was not done", name)
            error = "NotRegistered"
        else:
            try:
                done[name] = _count(function(today=today))
            except Exception as failure:
                log.exception("sweep hook %s failed", name)
                error = type(failure).__name__
        if error:
            done[name] = -1
        _hook_status(name, error, now)
    done["hook_failures"] = sum(1 for name in HOOKS if done.get(name) == -1)
    return done


def _hook_status(name: str, error: str, now: datetime) -> None:
    from django.db.models import F

    values: dict[str, Any] = {"last_run_at": now, "last_error": error}
    if error:
        values |= {"last_failed_at": now, "failures": F("failures") + 1}
    else:
        values["last_ok_at"] = now
    with transaction.atomic():
        # Machine state, excluded from the audit (audit.capture.EXCLUDED_MODELS).
        if not SweepHookStatus.objects.filter(name=name).update(**values):
            SweepHookStatus.objects.create(
                name=name, **{k: v for k, v in values.items() if k != "failures"},
                failures=1 if error else 0,
            )  # fmt: skip


def _count(result: Any) -> int:
    if isinstance(result, bool) or result is None:
        return int(bool(result))
    if isinstance(result, int):
        return result
    try:
        return len(result)
    except TypeError:
        return 1
