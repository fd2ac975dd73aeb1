"""The raw aggregate: the base counts of indicators.py straight from the dispute, event and
level-stay tables, for a region subtree and a period.

Pages never use it — it scans every row of the region's disputes and events. It exists to
check the rollups (rollups.rollups_check, the tests) and to measure them (bench/), so it is
written independently of rollups.py, from the definitions, with the ORM.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform

from jiefen.disputes.models import OPEN_STATUSES
from jiefen.disputes.reads import (
    disputes_in,
    events_in,
    events_of,
    events_with_ids,
    stays_due_in,
    stays_of,
)
from jiefen.lib.days import day_start
from jiefen.metrics.indicators import TIERS, Sums
from jiefen.metrics.periods import Period
from jiefen.regions.models import Region


def _between(period: Period) -> tuple[datetime, datetime]:
    return day_start(period.start), day_start(period.end + timedelta(days=1))


def _rating(low: int) -> Q:
    return Q(action="visit", params__satisfaction__gte=low, params__satisfaction__lte=5) | Q(
        action="rate", params__score__gte=low, params__score__lte=5
    )


def sums_raw(region: Region, period: Period, today: date) -> Sums:
    low, high = region.span
    disputes = disputes_in((low, high))
    start, end = _between(period)
    sums = Sums()

    registered = disputes.filter(registered_at__gte=start, registered_at__lt=end)
    sums["received"] = registered.count()
    sums["mass"] = registered.filter(mass=True).count()
    ly_start, ly_end = _between(period.year_earlier())
    sums["mass_last_year"] = disputes.filter(
        registered_at__gte=ly_start, registered_at__lt=ly_end, mass=True
    ).count()

    accepted = disputes.filter(accepted_at__gte=start, accepted_at__lt=end)
    sums["accepted"] = accepted.count()
    mediation = events_of(OuterRef("pk"), actions=["session", "resolve"], at__lt=end)
    sums["mediated"] = accepted.filter(Exists(mediation)).count()

    events = events_in((low, high), start=start, end=end)
    registered_tier = Subquery(
        stays_of(OuterRef("dispute_id"), how="registered").order_by("id").values("tier")[:1]
    )
    sums.update(
        events.filter(action="resolve")
        .annotate(registered_tier=registered_tier)
        .aggregate(
            resolved=Count("id"),
            agreed=Count("id", filter=Q(params__outcome="agreement")),
            at_or_below_town=Count("id", filter=Q(params__tier__in=["village", "town"])),
            village_registered_resolved=Count("id", filter=Q(registered_tier="village")),
            kept_in_village=Count(
                "id", filter=Q(registered_tier="village", params__tier="village")
            ),
        )
    )
    sums.update(
        events.filter(_rating(1)).aggregate(
            ratings=Count("id"), ratings_good=Count("id", filter=_rating(4))
        )
    )
    sums.update(
        events.aggregate(
            reopened=Count("id", filter=Q(action="reopen")),
            closed=Count("id", filter=Q(action="close")),
        )
    )

    # Open and overdue at the end of the period (now, if it is not over): each dispute's
    # state is that of its last event by then.
    as_of = min(period.end, today)
    last = (
        events_in((low, high), end=day_start(as_of + timedelta(days=1)))
        .values("dispute_id")
        .annotate(last=Max("id"))
        .values("last")
    )
    open_ = Q(to_status__in=list(OPEN_STATUSES))
    sums.update(
        events_with_ids(Subquery(last))
        .annotate(due=KeyTextTransform("due", "params"))
        .aggregate(
            open_end=Count("id", filter=open_),
            overdue_end=Count("id", filter=open_ & Q(due__lt=as_of.isoformat())),
        )
    )

    # Level deadlines that fell due in the period: left (on time or late), or still there
    # after the due date.
    for row in (
        stays_due_in((low, high), first=period.start, last=period.end)
        .values("tier")
        .annotate(
            met_count=Count("id", filter=Q(left_at__isnull=False, met=True)),
            due_count=Count(
                "id",
                filter=Q(left_at__isnull=False, met__isnull=False)
                | Q(left_at__isnull=True, due_date__lt=today),
            ),
        )
    ):
        if row["tier"] in TIERS:
            sums[f"deadlines_met_{row['tier']}"] = row["met_count"]
            sums[f"deadlines_due_{row['tier']}"] = row["due_count"]
    return Sums({k: int(v or 0) for k, v in sums.items()}).complete()
