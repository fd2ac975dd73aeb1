"""Reads: the queue, the filtered list with keyset pagination, a dispute's timeline.

No COUNT over the table: a page is fetched with one row more than it shows, to know whether a
next page exists; deep pages seek by id, so page 10,000 costs what page 1 costs.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Q, QuerySet
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
    if filters.get("registered_from"):
        qs = qs.filter(registered_at__gte=_local_start(filters["registered_from"]))
    if filters.get("registered_to"):
        end = filters["registered_to"]
        qs = qs.filter(registered_at__lt=_local_start(end) + timezone.timedelta(days=1))
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
