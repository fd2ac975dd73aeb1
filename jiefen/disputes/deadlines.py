"""Applying the deadline rules to a dispute, and the warning colours.

The current deadline is the earliest due date among the rules that apply at the dispute's
level for its facts (complex, cross-area, major, mass) and the triggers that have happened
at this level (registered here, arrived here, accepted here). An assignment to a department
carries its own explicit deadline.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from jiefen.disputes.models import OPEN_STATUSES, Dispute, LevelStay, Risk, Status, Warning
from jiefen.lib.registry import Slot
from jiefen.ops.batches import chunks, write_batch
from jiefen.rules.models import DayKind
from jiefen.rules.services import due_date, rule_for

if TYPE_CHECKING:
    from jiefen.lib.workdays import WorkCalendar


# The date of a body's next meeting after a day (keywords body, after), for the rules that run
# to the next meeting: the meetings app registers it when it loads.
next_meeting_date: Slot[..., date | None] = Slot("next_meeting_date", provider="jiefen.meetings")


@dataclass(frozen=True)
class Deadline:
    due: date
    action: str
    rule: str


def facts_of(dispute: Dispute) -> set[str]:
    facts = {"always"}
    if dispute.complex or dispute.cross_area:
        facts.add("complex_or_cross_area")
    if dispute.risk == Risk.MAJOR or dispute.mass:
        facts.add("major_or_mass")
    if dispute.is_open:
        facts.add("not_resolved")
    return facts


def triggers_at(dispute: Dispute, stay: LevelStay) -> list[tuple[str, date]]:
    """The triggers that have happened at the current level, with the local date of each."""
    arrived = timezone.localdate(stay.arrived_at)
    triggers = [("registered" if stay.arrived_how == "registered" else "arrived", arrived)]
    if dispute.status in (Status.ACCEPTED, Status.MEDIATING) and dispute.accepted_at:
        accepted = max(dispute.accepted_at, stay.arrived_at)
        triggers.append(("accepted", timezone.localdate(accepted)))
    return triggers


def deadline_for(
    dispute: Dispute, stay: LevelStay | None, calendar: "WorkCalendar"
) -> Deadline | None:
    if dispute.status == Status.ASSIGNED:
        return None  # kept as set by the assignment
    if dispute.status not in (Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING):
        return None
    if stay is None:
        return None
    facts = facts_of(dispute)
    best: Deadline | None = None
    for trigger, start in triggers_at(dispute, stay):
        rule = rule_for(tier=stay.tier, trigger=trigger, facts=facts)
        if rule is None:
            continue
        if rule.action == "assign_department" and dispute.department_id is not None:
            continue  # done: a lead department was assigned at this level
        next_meeting = None
        if rule.day_kind == DayKind.NEXT_MEETING:
            next_meeting = next_meeting_date(body=stay.body_id, after=start)
        due = due_date(
            start=start,
            days=rule.days,
            day_kind=rule.day_kind,
            calendar=calendar,
            next_meeting=next_meeting,
        )
        if best is None or due < best.due:
            best = Deadline(due=due, action=rule.action, rule=rule.key)
    return best


def warning_for(due: date | None, today: date, calendar: "WorkCalendar") -> int:
    """Red when overdue; yellow when one working day or less remains."""
    if due is None:
        return Warning.NONE
    if today > due:
        return Warning.RED
    if calendar.between(today, due) <= 1:
        return Warning.YELLOW
    return Warning.NONE


# Disputes recoloured per UPDATE: each statement is its own short write.
RECOLOUR_BATCH = 500


def warnings_refresh(
    *, today: date, calendar: "WorkCalendar", batch: int = RECOLOUR_BATCH
) -> dict[str, int]:
    """Recolour every open dispute whose colour changed since the last run: three range reads
    on the indexed due date, then the changed rows updated `batch` at a time (the condition
    checked again in each update), so no write holds the lock for long. Idempotent."""
    # The last day with at most one working day left (what warning_for calls yellow): the day
    # before the second working day after today. A due date on a day off (calendar-day rules)
    # counts like the working day before it.
    yellow_until = calendar.add(today, 2) - timedelta(days=1)
    open_ = Q(status__in=OPEN_STATUSES)
    # Not recorded (audit-exempt below): the colours are derived from the stored due date and
    # today and recomputed at every sweep; the due dates are written by recorded moves.
    wanted = {
        "red": (Q(open_, due_date__lt=today) & ~Q(warning=Warning.RED), Warning.RED),
        "yellow": (
            Q(open_, due_date__gte=today, due_date__lte=yellow_until) & ~Q(warning=Warning.YELLOW),
            Warning.YELLOW,
        ),
        # Extended deadlines, and closed work, carry no colour.
        "none": (
            Q(warning__gt=Warning.NONE)
            & (Q(due_date__gt=yellow_until) | Q(due_date__isnull=True) | ~open_),
            Warning.NONE,
        ),
    }
    changed = {}
    for name, (condition, colour) in wanted.items():
        ids = list(Dispute.objects.filter(condition).order_by("pk").values_list("pk", flat=True))
        changed[name] = 0
        for part in chunks(ids, batch):
            with write_batch():
                # audit-exempt: derived colour
                changed[name] += Dispute.objects.filter(condition, pk__in=part).update(
                    warning=colour
                )
    return changed
