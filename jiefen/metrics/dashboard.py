"""The KPI dashboard of a region and period, as data: the page and the .xlsx export both show
exactly this. Every figure is read from the rollups (selectors.py); every count links to the
dispute list behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from jiefen.disputes.models import Category, category_label
from jiefen.lib.registry import Slot
from jiefen.metrics import selectors
from jiefen.metrics.indicators import (
    BY_KEY,
    COLUMNS,
    RANKED,
    TIERS,
    Figure,
    Indicator,
    Sums,
    Target,
    display,
    evaluate,
)
from jiefen.metrics.periods import Period
from jiefen.org.scope import region_for, scope_of  # noqa: F401 (region_for: metrics.views)
from jiefen.regions.models import Level, Region

DEFAULT_SORT = "name"

# The targets in force for the indicators at a level in a year, by key (arguments level, year):
# the evaluation app, which keeps them, registers it when it loads.
targets_for: Slot[[int, int], dict[str, Target | None]] = Slot(
    "targets_for", provider="jiefen.evaluation"
)


# --- whose region ---------------------------------------------------------------------------


def trail(actor: Any, region: Region) -> list[Region]:
    """The region's ancestors the actor may see, top first."""
    scope = scope_of(actor)
    return [r for r in region.ancestors() if scope.covers(r.span)]


# --- links to the dispute list --------------------------------------------------------------


def list_url(region: Region, **filters: Any) -> str:
    query: dict[str, Any] = {"region": region.code}
    query.update({k: v.isoformat() if isinstance(v, date) else v for k, v in filters.items()})
    return reverse("disputes:list") + "?" + urlencode(query)


def links(key: str, region: Region, period: Period, today: date) -> tuple[str | None, str | None]:
    """The dispute lists behind an indicator's numerator and denominator (None: no list
    can show it: level deadlines, and open or overdue at a past moment).

    Besides the list's own filters (region, status, warning, category, registered_from/to)
    these use: accepted_from/accepted_to (Dispute.accepted_at, local dates); event with
    event_from/event_to (disputes with an event of one of the comma-separated actions on
    those local dates); outcome; tier (comma-separated, the level holding the dispute — for a
    resolved one, the level that resolved it); satisfaction (comma-separated scores); mass=1.
    The list ignores a filter it does not know."""
    start, end = period.start, period.end
    registered = {"registered_from": start, "registered_to": end}
    accepted = {"accepted_from": start, "accepted_to": end}

    def events(action: str, **more: Any) -> dict[str, Any]:
        return {"event": action, "event_from": start, "event_to": end, **more}

    now = min(end, today) == today
    spec: dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]] = {
        "received": (registered, None),
        "accepted": (accepted, None),
        "mediation_rate": ({**accepted, **events("session,resolve")}, accepted),
        "success_rate": (events("resolve", outcome="agreement"), events("resolve")),
        "village_share": (events("resolve", tier="village"), events("resolve")),
        "town_share": (events("resolve", tier="village,town"), events("resolve")),
        "satisfaction": (events("visit,rate", satisfaction="4,5"), events("visit,rate")),
        "mass": ({**registered, "mass": 1}, None),
        "overdue_open": ({"status": "open", "warning": "overdue"} if now else None, None),
        "open": ({"status": "open"} if now else None, None),
        "reopen_rate": (events("reopen"), events("close")),
    }
    numerator, denominator = spec.get(key, (None, None))
    return (
        list_url(region, **numerator) if numerator is not None else None,
        list_url(region, **denominator) if denominator is not None else None,
    )


# --- the page -------------------------------------------------------------------------------


@dataclass
class Tile:
    figure: Figure
    numerator_url: str | None
    denominator_url: str | None
    parts: list[Tile] = field(default_factory=list)  # the on-time rate by level

    @property
    def indicator(self) -> Indicator:
        return self.figure.indicator

    @property
    def target(self) -> str:
        target = self.figure.target
        return target.describe() if target else ""


@dataclass
class Row:
    code: int
    name: str
    region: Region | None  # None: disputes located at the region itself
    figures: dict[str, Figure]
    received_url: str
    overdue_url: str | None


@dataclass
class Dashboard:
    region: Region
    trail: list[Region]
    period: Period
    today: date
    figures: dict[str, Figure]
    tiles: list[Tile]
    workload: list[Tile]
    rows: list[Row]
    sort: str
    mix: list[dict[str, Any]]
    trend: dict[str, Any]

    @property
    def as_of(self) -> date:
        return min(self.period.end, self.today)


KPI_TILES = (
    "mediation_rate",
    "success_rate",
    "on_time_rate",
    "village_share",
    "town_share",
    "satisfaction",
    "mass",
    "reopen_rate",
)
WORKLOAD = ("received", "accepted", "open", "overdue_open")


def _tile(figure: Figure, region: Region, period: Period, today: date) -> Tile:
    numerator, denominator = links(figure.key, region, period, today)
    return Tile(figure, numerator, denominator)


def _children(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(parent=region).order_by("code")


def _sorted_rows(rows: list[Row], sort: str) -> list[Row]:
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    if key == "name":
        return sorted(rows, key=lambda r: r.code, reverse=descending)
    present = [r for r in rows if r.figures[key].value is not None]
    missing = [r for r in rows if r.figures[key].value is None]
    present.sort(key=lambda r: (r.figures[key].sort_value, -r.code), reverse=descending)
    return present + missing  # no value: last, whichever the direction


def clean_sort(value: Any) -> str:
    value = str(value or "")
    return value if value.lstrip("-") in (*RANKED, "name") else DEFAULT_SORT


def dashboard(actor: Any, region: Region, period: Period, today: date, sort: str = "") -> Dashboard:
    sort = clean_sort(sort)
    year = period.start.year
    own_targets = targets_for(region.level, year)
    figures = evaluate(selectors.sums(region, period, today), targets=own_targets)
    tiles = [_tile(figures[key], region, period, today) for key in KPI_TILES]
    tiles[KPI_TILES.index("on_time_rate")].parts = [
        _tile(figures[f"on_time_rate_{tier}"], region, period, today) for tier in TIERS
    ]
    workload = [_tile(figures[key], region, period, today) for key in WORKLOAD]

    below = selectors.sums_below(region, period, today)
    now = min(period.end, today) == today
    rows = []
    child_targets = targets_for(min(region.level + 1, Level.VILLAGE), year)
    for child in _children(region):
        rows.append(_row(child.code, child.name, child, below.pop(child.code, Sums()), period, now,
                         targets=child_targets))  # fmt: skip
    if region.code in below:  # disputes located at the region itself, not in a sub-unit
        rows.append(_row(region.code, _("%(name)s本级") % {"name": region.name}, None,
                         below.pop(region.code), period, now, region, own_targets))  # fmt: skip
    for code, sums in sorted(below.items()):  # a unit no longer in the division tree
        rows.append(_row(code, str(code), None, sums, period, now, region, child_targets))

    total = figures["received"].numerator
    names = dict(Category.objects.values_list("id", "name"))
    mix = [
        {
            "category": category_label(names.get(category_id, str(category_id))),
            "count": count,
            "share": display(Fraction(count, total) if total else None),
            "percent": round(100 * count / total, 1) if total else 0,
            "url": list_url(
                region,
                category=category_id,
                registered_from=period.start,
                registered_to=period.end,
            ),
        }
        for category_id, count in selectors.category_mix(region, period).items()
    ]
    return Dashboard(
        region=region,
        trail=trail(actor, region),
        period=period,
        today=today,
        figures=figures,
        tiles=tiles,
        workload=workload,
        rows=_sorted_rows(rows, sort),
        sort=sort,
        mix=mix,
        trend=trend(region, period, today),
    )


def _row(
    code: int,
    name: str,
    child: Region | None,
    sums: Sums,
    period: Period,
    now: bool,
    parent: Region | None = None,
    targets: Any = None,
) -> Row:
    place = child or parent
    assert place is not None
    figures = evaluate(sums.complete(), COLUMNS, targets)
    return Row(
        code=code,
        name=name,
        region=child,
        figures=figures,
        received_url=list_url(place, registered_from=period.start, registered_to=period.end),
        overdue_url=list_url(place, status="open", warning="overdue") if now else None,
    )


TREND_SERIES = (
    ("received", "count"),
    ("resolved", "count"),
    ("mediation_rate", "rate"),
    ("success_rate", "rate"),
    ("on_time_rate", "rate"),
    ("satisfaction", "rate"),
)


def trend(region: Region, period: Period, today: date) -> dict[str, Any]:
    """Twelve months to the end of the period (or to this month, if the period is not over),
    for the chart: numbers, rates in per cent, None where there is nothing to divide by."""
    months = Period("custom", period.start, min(period.end, today)).months(12)
    rows = selectors.months(region, months, today)
    labels = [m.start.strftime("%Y-%m") for m in months]
    series = []
    for key, unit in TREND_SERIES:
        if key == "resolved":
            name, values = _("办结"), [s["resolved"] for s in rows]
        else:
            indicator = BY_KEY[key]
            name = str(indicator.name)
            values = []
            for s in rows:
                value = evaluate(s, (key,))[key].value
                values.append(
                    None
                    if value is None
                    else (round(float(value) * 100, 1) if unit == "rate" else int(value))
                )
        series.append({"key": key, "name": name, "unit": unit, "values": values})
    table = [
        [label, *("—" if s["values"][i] is None else s["values"][i] for s in series)]
        for i, label in enumerate(labels)
    ]
    return {
        "labels": labels,
        "series": series,
        "table": table,
        "percent": _("百分比"),
        "count": _("件数"),
    }
