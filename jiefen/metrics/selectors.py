"""Reads of the rollups: the base counts (indicators.Sums) of a region, of each of its
sub-units, and month by month. Every figure on the dashboard and in the export comes from here.

A region's rows are those of its own level and code; its sub-units' rows are those of the next
level inside its code span. A few indexed range reads per page, whatever the number of
disputes: one Tally pass per region (or group of sub-units) covers the period, the same period
last year and the running sums of open and overdue disputes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Q, Sum

from jiefen.metrics.indicators import TIERS, Sums
from jiefen.metrics.models import CategoryTally, DeadlineTally, MediationTally, Tally
from jiefen.metrics.periods import Period
from jiefen.regions.models import Level, Region

PERIOD_COUNTS = (
    "received",
    "mass",
    "accepted",
    "resolved",
    "agreed",
    "village_registered_resolved",
    "kept_in_village",
    "at_or_below_town",
    "ratings",
    "ratings_good",
    "reopened",
    "closed",
)


def _own(region: Region) -> Q:
    return Q(level=region.level, region_code=region.code)


def _below(region: Region) -> Q:
    return Q(level=region.level + 1, region_code__range=region.span)


def _grouped(queryset: Any, group: str | None, **aggregates: Any) -> dict[Any, dict[str, Any]]:
    if group is None:
        return {None: queryset.aggregate(**aggregates)}
    return {row.pop(group): row for row in queryset.values(group).annotate(**aggregates)}


def _collect(where: Q, group: str | None, period: Period, today: date) -> dict[Any, Sums]:
    as_of = min(period.end, today)
    last_year = period.year_earlier()
    result: defaultdict[Any, Sums] = defaultdict(Sums)
    in_period = Q(day__gte=period.start)
    # Aliases differ from the column names: an aggregate may not shadow a field.
    tally = _grouped(
        Tally.objects.filter(where, day__lte=period.end),
        group,
        **{f"s_{c}": Sum(c, filter=in_period) for c in PERIOD_COUNTS},
        s_mass_last_year=Sum("mass", filter=Q(day__range=(last_year.start, last_year.end))),
        s_open_end=Sum("open_delta", filter=Q(day__lte=as_of)),
        s_overdue_end=Sum("overdue_delta", filter=Q(day__lte=as_of)),
    )
    for key, row in tally.items():
        result[key].update({k[2:]: int(v or 0) for k, v in row.items()})
    deadlines = DeadlineTally.objects.filter(where, due_day__range=(period.start, period.end))
    fields = [group, "tier"] if group else ["tier"]
    for row in deadlines.values(*fields).annotate(
        met_count=Sum("met"),
        late_count=Sum("late"),
        missed=Sum("pending", filter=Q(due_day__lt=today)),
    ):
        if row["tier"] in TIERS:
            sums = result[row[group] if group else None]
            sums[f"deadlines_met_{row['tier']}"] += int(row["met_count"] or 0)
            sums[f"deadlines_due_{row['tier']}"] += int(
                (row["met_count"] or 0) + (row["late_count"] or 0) + (row["missed"] or 0)
            )
    mediated = _grouped(
        MediationTally.objects.filter(
            where,
            accepted_day__range=(period.start, period.end),
            mediated_day__lte=period.end,
        ),
        group,
        n=Sum("n"),
    )
    for key, row in mediated.items():
        result[key]["mediated"] += int(row["n"] or 0)
    return {key: sums.complete() for key, sums in result.items()}


def sums(region: Region, period: Period, today: date) -> Sums:
    """The base counts of `region` over `period`, from the rollups."""
    return _collect(_own(region), None, period, today).get(None, Sums()).complete()


def sums_below(region: Region, period: Period, today: date) -> dict[int, Sums]:
    """The base counts of each sub-unit of `region` with any rollup row, by code. A code equal
    to the region's own stands for disputes located at the region itself (a town, say) rather
    than in one of its sub-units."""
    if region.level >= Level.VILLAGE:
        return {}
    return _collect(_below(region), "region_code", period, today)


def months(region: Region, months: list[Period], today: date) -> list[Sums]:
    """The base counts of `region` for each of `months` (consecutive), from three reads."""
    first, last = months[0].start, months[-1].end
    where = _own(region)
    index = {(m.start.year, m.start.month): i for i, m in enumerate(months)}
    result = [Sums() for _ in months]
    for row in Tally.objects.filter(where, day__range=(first, last)).values("day", *PERIOD_COUNTS):
        target = result[index[(row["day"].year, row["day"].month)]]
        for key in PERIOD_COUNTS:
            target[key] += row[key]
    for row in DeadlineTally.objects.filter(where, due_day__range=(first, last)).values(
        "due_day", "tier", "met", "late", "pending"
    ):
        if row["tier"] not in TIERS:
            continue
        target = result[index[(row["due_day"].year, row["due_day"].month)]]
        missed = row["pending"] if row["due_day"] < today else 0
        target[f"deadlines_met_{row['tier']}"] += row["met"]
        target[f"deadlines_due_{row['tier']}"] += row["met"] + row["late"] + missed
    mediated = MediationTally.objects.filter(where, accepted_day__range=(first, last)).aggregate(
        **{
            f"m{i}": Sum(
                "n", filter=Q(accepted_day__range=(m.start, m.end), mediated_day__lte=m.end)
            )
            for i, m in enumerate(months)
        }
    )
    for i, target in enumerate(result):
        target["mediated"] = int(mediated[f"m{i}"] or 0)
    return [s.complete() for s in result]


def category_mix(region: Region, period: Period) -> dict[int, int]:
    """Disputes registered in `period` by category id, most first."""
    rows = (
        CategoryTally.objects.filter(_own(region), day__range=(period.start, period.end))
        .values("category_id")
        .annotate(n=Sum("received"))
        .order_by("-n", "category_id")
    )
    return {row["category_id"]: int(row["n"]) for row in rows if row["n"]}
