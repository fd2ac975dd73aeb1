"""A meeting's agenda, built from the data: what came up to the body since its last meeting,
what is overdue, major and mass disputes, what still lacks a lead department or a leader, the
period's figures (from the rollups), categories on the rise, and early warnings.

The result is JSON kept on the meeting: section keys, dispute ids and the facts shown (number,
title, category, place, status key, due date), never translated words; the page and the Word
export render them in the reader's language. Each list is capped (LIMIT) with its full count.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.disputes.models import OPEN_STATUSES, Dispute, Risk, Status
from jiefen.disputes.reads import (
    disputes_arrived_by_transfer,
    disputes_in,
    disputes_open,
    disputes_with_ids,
)
from jiefen.lib.days import day_start
from jiefen.meetings import integration
from jiefen.meetings.models import Meeting, MeetingStatus
from jiefen.metrics import selectors as metrics
from jiefen.metrics.periods import Period

LIMIT = 30
AGENDA_VERSION = 1
# Stats kept on the agenda: the base counts of jiefen.metrics.indicators.
STAT_KEYS = (
    "received",
    "accepted",
    "mediated",
    "resolved",
    "agreed",
    "open_end",
    "overdue_end",
    "mass",
)
# A category is "on the rise" when it has at least RISE_MIN more disputes than in the same
# stretch of the previous period and at least RISE_RATIO times as many.
RISE_MIN = 3
RISE_RATIO = 1.5
SECTIONS = ("transferred", "overdue", "major_mass", "no_department", "no_leader")
SECTION_LABELS = {
    "transferred": gettext_lazy("上次会议以来移送本级的纠纷"),
    "overdue": gettext_lazy("超期未办结的纠纷"),
    "major_mass": gettext_lazy("重大和群体性纠纷"),
    "no_department": gettext_lazy("尚未明确牵头部门的纠纷"),
    "no_leader": gettext_lazy("尚未明确包案领导的重大、群体性纠纷"),
}


def meeting_title(meeting: Meeting) -> str:
    """分析研判会 for a town, 联席会议 for the county, with the period."""
    period = Period(meeting.period_kind, meeting.period_start, meeting.period_end)
    if meeting.body.kind == "county_meeting":
        return _("%(period)s矛盾纠纷调处化解联席会议") % {"period": period.label()}
    return _("%(period)s矛盾纠纷分析研判会") % {"period": period.label()}


def summary(d: Dispute) -> dict[str, Any]:
    """What the agenda shows of a dispute: no party, no personal data."""
    return {
        "id": d.pk,
        "number": d.number,
        "title": d.title,
        "category": d.category.name,
        "region": d.region.name,
        "holder": d.holder.name,
        "status": d.status,
        "due": d.due_date.isoformat() if d.due_date else None,
        "risk": d.risk,
        "mass": d.mass,
        "people": d.people_involved,
        "department": d.department.name if d.department is not None else None,
    }


def _listed(qs: QuerySet[Dispute], order: tuple[str, ...]) -> dict[str, Any]:
    rows = list(
        qs.select_related("category", "region", "holder", "department").order_by(*order)[
            : LIMIT + 1
        ]
    )
    total = len(rows) if len(rows) <= LIMIT else qs.count()
    return {"total": total, "items": [summary(d) for d in rows[:LIMIT]]}


def previous_meeting_day(meeting: Meeting) -> date | None:
    return (
        Meeting.objects.filter(body_id=meeting.body_id, date__lt=meeting.date)
        .exclude(status=MeetingStatus.CANCELLED)
        .exclude(pk=meeting.pk)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )


def agenda_build(meeting: Meeting, now: datetime) -> dict[str, Any]:
    body = meeting.body
    region = body.region
    low, high = region.span
    today = timezone.localdate(now)
    period = Period(meeting.period_kind, meeting.period_start, meeting.period_end)
    previous_day = previous_meeting_day(meeting)
    # Since the day after the last meeting; the first meeting looks back over its period.
    since = previous_day + timedelta(days=1) if previous_day else period.start
    in_area = disputes_in((low, high))
    open_ = Q(status__in=OPEN_STATUSES)

    transferred = disputes_arrived_by_transfer(body, day_start(since))
    overdue = in_area.filter(open_, due_date__lt=today)
    major_mass = in_area.filter(open_).filter(Q(risk=Risk.MAJOR) | Q(mass=True))
    held_here = disputes_in(
        holder=body, status__in=[Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING]
    )
    no_department = held_here.filter(department__isnull=True)
    needs_leader = list(
        disputes_open(holder=body)
        .filter(Q(risk=Risk.MAJOR) | Q(mass=True))
        .values_list("pk", flat=True)
    )
    with_leader = integration.disputes_with_leader(needs_leader)
    sections = {
        "transferred": _listed(transferred, ("id",)),
        "overdue": _listed(overdue, ("due_date", "id")),
        "major_mass": _listed(major_mass, ("registered_at", "id")),
        "no_department": _listed(no_department, ("registered_at", "id")),
    }
    if with_leader is None:
        sections["no_leader"] = {"total": None, "items": []}
    else:
        sections["no_leader"] = _listed(
            disputes_with_ids(set(needs_leader) - with_leader),
            ("registered_at", "id"),
        )

    # The period so far, and the same stretch of the previous period, for a fair comparison.
    upto = min(period.end, max(today, period.start))
    so_far = Period("custom", period.start, upto)
    before = period.previous()
    before_same = Period(
        "custom", before.start, min(before.end, before.start + (upto - so_far.start))
    )
    now_sums = metrics.sums(region, so_far, today)
    before_sums = metrics.sums(region, before, today)
    now_mix = metrics.category_mix(region, so_far)
    before_mix = metrics.category_mix(region, before_same)
    from jiefen.disputes.models import Category

    names = dict(Category.objects.values_list("pk", "name"))
    rising = [
        {"category": names.get(cid, str(cid)), "now": n, "before": before_mix.get(cid, 0)}
        for cid, n in now_mix.items()
        if n - before_mix.get(cid, 0) >= RISE_MIN and n >= RISE_RATIO * before_mix.get(cid, 0)
    ]
    warnings = integration.early_warnings(region=region, start=period.start, end=upto, today=today)
    return {
        "version": AGENDA_VERSION,
        "built_at": now.isoformat(),
        "since": since.isoformat(),
        "period": {"kind": period.kind, "start": period.start.isoformat(), "end": upto.isoformat()},
        "previous": {
            "kind": before.kind,
            "start": before.start.isoformat(),
            "end": before.end.isoformat(),
        },
        "sections": sections,
        "stats": {key: int(now_sums[key]) for key in STAT_KEYS},
        "stats_previous": {key: int(before_sums[key]) for key in STAT_KEYS},
        "trends": sorted(rising, key=lambda r: (r["before"] - r["now"], r["category"])),
        "warnings": warnings,
    }


def agenda_dispute_ids(agenda: dict[str, Any]) -> list[int]:
    """The disputes listed anywhere on the agenda, in order of first appearance."""
    seen: dict[int, None] = {}
    for key in SECTIONS:
        for item in (agenda.get("sections") or {}).get(key, {}).get("items", []):
            seen.setdefault(item["id"], None)
    return list(seen)
