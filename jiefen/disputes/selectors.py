"""Reads: the queue, the filtered list with keyset pagination, a dispute's timeline.

No COUNT over the table: a page is fetched with one row more than it shows, to know whether a
next page exists; deep pages seek by id, so page 10,000 costs what page 1 costs.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from jiefen.disputes.access import disputes_for, roles_by_body
from jiefen.disputes.models import OPEN_STATUSES, Dispute, Event, Status, Warning
from jiefen.regions.models import Region

PAGE_SIZE = 50


@dataclass
class Page:
    rows: list[Dispute]
    next_after: int | None
    prev_before: int | None


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _day_after(day: date) -> datetime:
    return _local_start(day + timedelta(days=1))


# What an event records of a dispute's result: a filter on outcome, tier or satisfaction given
# with an event filter naming one of these actions applies to that event's parameters (the
# result of that resolution, the score of that rating), not to the dispute's latest result.
EVENT_PARAMS = {
    "resolve": {"outcome": "outcome", "tier": "tier"},
    "visit": {"satisfaction": "satisfaction"},
    "rate": {"satisfaction": "score"},
}


def _values(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v)]
    return [part for part in str(value or "").split(",") if part]


def _by_event_or_result(qs: QuerySet[Dispute], filters: dict[str, Any]) -> QuerySet[Dispute]:
    """event / event_from / event_to: an EXISTS on the dispute's events (indexed by dispute);
    outcome, tier, satisfaction on the event where an action records them, else on the
    dispute (tier: the level holding it, which for a resolved one is the level that resolved
    it)."""
    actions = _values(filters.get("event"))
    wanted = {
        "outcome": _values(filters.get("outcome")),
        "tier": _values(filters.get("tier")),
        "satisfaction": _values(filters.get("satisfaction")),
    }
    on_event: set[str] = set()
    if actions:
        condition = Q()
        for action in actions:
            here = Q(action=action)
            for key, param in EVENT_PARAMS.get(action, {}).items():
                if wanted[key]:
                    on_event.add(key)
                    values: list[Any] = wanted[key]
                    if key == "satisfaction":
                        values = [int(v) for v in values if v.isdigit()]
                    here &= Q(**{f"params__{param}__in": values})
            condition |= here
        events = Event.objects.filter(condition, dispute=OuterRef("pk"))
        if filters.get("event_from"):
            events = events.filter(at__gte=_local_start(filters["event_from"]))
        if filters.get("event_to"):
            events = events.filter(at__lt=_day_after(filters["event_to"]))
        qs = qs.filter(Exists(events))
    if wanted["outcome"] and "outcome" not in on_event:
        qs = qs.filter(outcome__in=wanted["outcome"])
    if wanted["tier"] and "tier" not in on_event:
        qs = qs.filter(tier__in=wanted["tier"])
    if wanted["satisfaction"] and "satisfaction" not in on_event:
        qs = qs.filter(satisfaction__in=[int(v) for v in wanted["satisfaction"] if v.isdigit()])
    return qs


def dispute_list(
    actor: Any,
    filters: dict[str, Any],
    *,
    after: int | None = None,
    before: int | None = None,
    today: date | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    today = today or timezone.localdate()
    qs: QuerySet[Dispute] = disputes_for(actor)
    status = filters.get("status")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("region"):
        region = Region.objects.filter(code=filters["region"]).first()
        qs = qs.none() if region is None else qs.filter(region_code__range=region.span)
    if filters.get("holder"):
        qs = qs.filter(holder_id=filters["holder"])
    warning = filters.get("warning")
    if warning == "overdue":
        qs = qs.filter(status__in=OPEN_STATUSES, due_date__lt=today)
    elif warning:
        qs = qs.filter(warning=int(warning))
    for field, start_key, end_key in (
        ("registered_at", "registered_from", "registered_to"),
        ("accepted_at", "accepted_from", "accepted_to"),
    ):
        if filters.get(start_key):
            qs = qs.filter(**{f"{field}__gte": _local_start(filters[start_key])})
        if filters.get(end_key):
            qs = qs.filter(**{f"{field}__lt": _day_after(filters[end_key])})
    if filters.get("ids"):
        qs = qs.filter(id__in=list(filters["ids"]))
    if filters.get("mass"):
        qs = qs.filter(mass=True)
    qs = _by_event_or_result(qs, filters)
    text = (filters.get("q") or "").strip()
    if text:
        qs = qs.filter(
            Q(number__startswith=text) | Q(title__contains=text) | Q(description__contains=text)
        )
    qs = qs.select_related("category", "holder", "region")
    if before is not None:
        rows = list(qs.filter(id__gt=before).order_by("id")[: size + 1])
        has_more = len(rows) > size
        rows = list(reversed(rows[:size]))
        return Page(
            rows=rows,
            next_after=rows[-1].id if rows else None,
            prev_before=rows[0].id if has_more and rows else None,
        )
    if after is not None:
        qs = qs.filter(id__lt=after)
    rows = list(qs.order_by("-id")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows=rows,
        next_after=rows[-1].id if has_more else None,
        prev_before=rows[0].id if after is not None and rows else None,
    )


def queue_for(actor: Any, *, limit: int = 100) -> dict[str, list[Dispute]]:
    """What the actor's bodies must act on: incoming transfers, assignments to their
    departments, and open disputes they hold, soonest due first."""
    body_ids = list(roles_by_body(actor))
    base = disputes_for(actor).select_related("category", "holder", "region")
    held = base.filter(
        holder_id__in=body_ids,
        status__in=[Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING, Status.ASSIGNED],
    ).order_by("due_date", "id")
    due = list(held.filter(due_date__isnull=False)[:limit])
    undated = list(held.filter(due_date__isnull=True)[: max(0, limit - len(due))])
    return {
        "incoming": list(base.filter(transfer_to_id__in=body_ids).order_by("id")[:limit]),
        "assigned": list(
            base.filter(department_id__in=body_ids, status=Status.ASSIGNED).order_by(
                "due_date", "id"
            )[:limit]
        ),
        "held": due + undated,
        "to_visit": list(
            base.filter(holder_id__in=body_ids, status=Status.RESOLVED).order_by(
                "resolved_at", "id"
            )[:limit]
        ),
    }


def timeline(dispute: Dispute) -> QuerySet[Event]:
    return dispute.events.select_related("actor", "body").order_by("id")


def red_count(page_rows: list[Dispute]) -> int:
    return sum(1 for d in page_rows if d.warning == Warning.RED)
