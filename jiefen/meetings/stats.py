"""Figures the circulars need that the metrics rollups do not keep (yet): transfers up a level,
in time and late, and the longest-open disputes. Everything else comes from
jiefen.metrics.selectors (the rollups).

SWAP: `transfer_counts` is an aggregate over indexed columns (events by time, disputes by
region code) for want of a transfer column in the rollups. When jiefen.metrics offers
transfers per region and day, replace its body with a rollup read of the same shape; the
circulars call nothing else for transfers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Q
from django.utils import timezone

from jiefen.disputes.models import OPEN_STATUSES
from jiefen.disputes.reads import disputes_in, events_in
from jiefen.lib.days import day_start
from jiefen.metrics.periods import Period
from jiefen.regions.models import LEVEL_DIGITS, Level, Region


def _unit_of(code: int, level: int) -> int:
    width = 10 ** (12 - LEVEL_DIGITS[Level(level)])
    return code - code % width


def _late(value: Any) -> bool:
    # A JSON boolean reads back as False on PostgreSQL and as 0 on SQLite.
    return value is False or value == 0 or value == "false"


def transfer_counts(region: Region, period: Period) -> dict[int | None, dict[str, int]]:
    """Transfers up a level (transfer events) of disputes that arose in `region`, made in
    `period`: {None: totals, sub-unit code: counts} with "transferred", "in_time" and "late".
    Late: the sender's level deadline had passed (the event's "in_time" is false); a transfer
    from a level without a deadline counts as in time.

    One GROUP BY over the period's events (index on Event.at), each joined to its dispute by
    primary key. Rollup swap point: see the module docstring.
    """
    low, high = region.span
    rows = (
        events_in(
            action="transfer",
            start=day_start(period.start),
            end=day_start(period.end + timedelta(days=1)),
        )
        # "+ 0" keeps the planner off the region index: walking a county's disputes and each
        # one's events costs far more than the period's events by time, then their dispute.
        .alias(code=ExpressionWrapper(F("dispute__region_code") + 0, BigIntegerField()))
        .filter(code__range=(low, high))
        .values("dispute__region_code", "params__in_time")
        .annotate(n=Count("id"))
        .order_by()
    )
    result: dict[int | None, dict[str, int]] = defaultdict(
        lambda: {"transferred": 0, "in_time": 0, "late": 0}
    )
    below = region.level + 1 if region.level < Level.VILLAGE else None
    for row in rows:
        code = row["dispute__region_code"]
        late = _late(row["params__in_time"])
        keys: list[int | None] = [None]
        if below is not None:
            keys.append(_unit_of(code, below) if code != region.code else region.code)
        for key in keys:
            counts = result[key]
            counts["transferred"] += row["n"]
            counts["late" if late else "in_time"] += row["n"]
    result[None]
    return dict(result)


def longest_open(region: Region, period: Period, limit: int = 10) -> list[dict[str, Any]]:
    """The disputes of `region` open longest at the end of `period`: registered by then and
    not resolved or declined by then, oldest first, with the days open at the period's end.

    Two indexed reads instead of a scan: the disputes open now (index on status and region
    code), and those resolved or declined since the period ended (their events, by time).
    """
    low, high = region.span
    end = day_start(period.end + timedelta(days=1))
    mine = disputes_in((low, high), registered_at__lt=end)
    order = ("registered_at", "id")
    open_now = mine.filter(status__in=OPEN_STATUSES).order_by(*order)[:limit]
    left_since = (
        mine.filter(
            pk__in=events_in(start=end, actions=["resolve", "decline"]).values("dispute_id")
        )
        .exclude(status__in=OPEN_STATUSES)
        .filter(Q(resolved_at__gte=end) | Q(closed_at__gte=end, resolved_at=None))
        .order_by(*order)[:limit]
    )
    found = {
        d.pk: d for qs in (open_now, left_since) for d in qs.select_related("category", "holder")
    }
    rows = sorted(found.values(), key=lambda d: (d.registered_at, d.pk))[:limit]
    return [
        {
            "number": d.number,
            "title": d.title,
            "category": d.category.name,
            "holder": d.holder.name,
            "registered": timezone.localdate(d.registered_at).isoformat(),
            "days": (period.end - timezone.localdate(d.registered_at)).days + 1,
        }
        for d in rows
    ]
