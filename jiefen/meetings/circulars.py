"""Circulars (通报): the town centre's half-monthly and the county's monthly report of how
disputes were handled in a period — received, accepted, mediated, resolved with and without
agreement, transferred up in time and late, overdue — by category and by sub-unit, the
longest-open disputes, and the comparison with the previous period and the same period last
year.

A circular is generated once for an ended period and frozen: its figures (JSON) and the Word
and Excel files as generated are kept, so it reprints byte for byte whatever happens to the
disputes later; the files are also a pure function of the figures (exports.py), which a test
checks by rebuilding them.

Figures come from the metrics rollups (jiefen.metrics.selectors), except transfers and the
longest-open list (stats.py), which the rollups do not keep.
"""

from __future__ import annotations

import time as clock
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiefen.disputes.models import Category
from jiefen.lib.errors import Invalid
from jiefen.meetings.models import Cadence, Circular
from jiefen.meetings.services import may_manage
from jiefen.meetings.stats import longest_open, transfer_counts
from jiefen.metrics import selectors as metrics
from jiefen.metrics.periods import Period
from jiefen.org.models import Body, BodyKind
from jiefen.regions.models import Region

FIGURES_VERSION = 1
KIND_OF_BODY = {BodyKind.TOWN_CENTRE: Cadence.HALF, BodyKind.COUNTY_MEETING: Cadence.MONTH}
TOTAL_KEYS = (
    "received",
    "accepted",
    "mediated",
    "resolved",
    "agreed",
    "not_agreed",
    "transferred",
    "in_time",
    "late",
    "overdue",
    "open",
    "mass",
)


def _period_json(period: Period) -> dict[str, str]:
    return {"kind": period.kind, "start": period.start.isoformat(), "end": period.end.isoformat()}


def period_from_json(data: dict[str, str]) -> Period:
    return Period(data["kind"], date.fromisoformat(data["start"]), date.fromisoformat(data["end"]))


def _totals(sums: Any, transfers: dict[str, int]) -> dict[str, int]:
    return {
        "received": int(sums["received"]),
        "accepted": int(sums["accepted"]),
        "mediated": int(sums["mediated"]),
        "resolved": int(sums["resolved"]),
        "agreed": int(sums["agreed"]),
        "not_agreed": int(sums["resolved"]) - int(sums["agreed"]),
        "transferred": int(transfers.get("transferred", 0)),
        "in_time": int(transfers.get("in_time", 0)),
        "late": int(transfers.get("late", 0)),
        "overdue": int(sums["overdue_end"]),
        "open": int(sums["open_end"]),
        "mass": int(sums["mass"]),
    }


def circular_figures(body: Body, period: Period, today: date) -> dict[str, Any]:
    """Everything a circular shows, as JSON: numbers, names and dates, no translated words."""
    region = body.region
    periods = {"current": period, "previous": period.previous(), "last_year": period.year_earlier()}
    transfers = {key: transfer_counts(region, p) for key, p in periods.items()}
    totals = {
        key: _totals(metrics.sums(region, p, today), transfers[key].get(None, {}))
        for key, p in periods.items()
    }
    mixes = {key: metrics.category_mix(region, p) for key, p in periods.items()}
    ids = set().union(*(m.keys() for m in mixes.values()))
    names = dict(Category.objects.filter(pk__in=ids).values_list("pk", "name"))
    categories: list[dict[str, Any]] = [
        {
            "name": names.get(cid, str(cid)),
            "current": mixes["current"].get(cid, 0),
            "previous": mixes["previous"].get(cid, 0),
            "last_year": mixes["last_year"].get(cid, 0),
        }
        for cid in ids
    ]
    categories.sort(key=lambda c: (-c["current"], -c["previous"], c["name"]))
    below = metrics.sums_below(region, period, today)
    unit_regions = list(Region.objects.filter(parent=region).order_by("code"))
    codes = [r.code for r in unit_regions]
    unit_names = {r.code: r.name for r in unit_regions}
    if region.code in below or region.code in transfers["current"]:
        codes.append(region.code)  # disputes located at the region itself, not a sub-unit
        unit_names[region.code] = region.name
    from jiefen.metrics.indicators import Sums

    units = [
        {
            "code": str(code),
            "name": unit_names[code],
            "own": code == region.code,
            **_totals(below.get(code, Sums()), transfers["current"].get(code, {})),
        }
        for code in codes
    ]
    return {
        "version": FIGURES_VERSION,
        "body": {"id": body.pk, "name": body.name, "kind": body.kind},
        "region": {"code": str(region.code), "name": region.name, "level": region.level},
        "periods": {key: _period_json(p) for key, p in periods.items()},
        "totals": totals,
        "categories": categories,
        "units": units,
        "longest_open": longest_open(region, period),
    }


def circular_generate(
    *, actor: Any, body: Body, period_start: date | None, at: datetime | None = None
) -> Circular:
    """Generate and freeze `body`'s circular for the ended period starting `period_start`."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    kind = KIND_OF_BODY.get(BodyKind(body.kind))
    if kind is None:
        raise Invalid(_("只有乡镇（街道）矛调中心和县级联席会议发布通报"))
    if not may_manage(actor, body):
        from jiefen.lib.errors import Forbidden

        raise Forbidden(_("只有%(body)s的负责人或工作人员可以生成通报") % {"body": body.name})
    if period_start is None:
        raise Invalid(_("请选择通报期"), fields={"period": [_("请选择通报期")]})
    period = Period.containing(kind, period_start)
    if period.start != period_start:
        raise Invalid(_("通报期无效"), fields={"period": [_("通报期无效")]})
    if period.end >= today:
        message = _("%(period)s 尚未结束，结束后才能生成通报") % {"period": period.label()}
        raise Invalid(message, fields={"period": [message]})
    existing = Circular.objects.filter(body=body, period_kind=kind, period_start=period.start)
    if existing.exists():
        message = _("%(period)s 的通报已经生成，请直接下载") % {"period": period.label()}
        raise Invalid(message, fields={"period": [message]})
    began = clock.perf_counter()
    figures = circular_figures(body, period, today)
    try:
        with transaction.atomic():
            # Numbers run per body and year; the body row is locked so two generations queue.
            Body.objects.select_for_update().filter(pk=body.pk).exists()
            top = Circular.objects.filter(body=body, year=period.start.year).aggregate(
                top=Max("seq")
            )["top"]
            seq = (top or 0) + 1
            figures["number"] = {"year": period.start.year, "seq": seq}
            figures["generated_at"] = now.isoformat()
            docx, xlsx = circular_files(figures)
            circular = Circular.objects.create(
                body=body,
                region_code=body.region_code,
                period_kind=kind,
                period_start=period.start,
                period_end=period.end,
                year=period.start.year,
                seq=seq,
                generated_at=now,
                generated_by=actor,
                figures=figures,
                docx=docx,
                xlsx=xlsx,
                seconds=clock.perf_counter() - began,
            )
    except IntegrityError:
        message = _("%(period)s 的通报已经生成，请直接下载") % {"period": period.label()}
        raise Invalid(message, fields={"period": [message]}) from None
    return circular


def circular_files(figures: dict[str, Any]) -> tuple[bytes, bytes]:
    """The Word and Excel files of a circular, from its figures alone, in Chinese."""
    from jiefen.meetings.exports import circular_docx, circular_xlsx

    with translation.override("zh-hans"):
        return circular_docx(figures), circular_xlsx(figures)


def periods_to_generate(body: Body, today: date, count: int = 6) -> list[tuple[Period, bool]]:
    """The last `count` ended periods of the body's circular kind, newest first, each with
    whether its circular exists already."""
    kind = KIND_OF_BODY.get(BodyKind(body.kind))
    if kind is None:
        return []
    periods = [Period.containing(kind, today).previous()]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    done = set(
        Circular.objects.filter(
            body=body, period_kind=kind, period_start__in=[p.start for p in periods]
        ).values_list("period_start", flat=True)
    )
    return [(p, p.start in done) for p in periods]
