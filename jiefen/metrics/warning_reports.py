"""The early warnings as pages read them: computed in the background into their own tables
(WarningReport, WarningItem), read by ranked ranges.

early_warning.py stays the one definition of every warning — and the reference: a report is
exactly what early_warning_report returned when it was computed, item by item in its order,
and `jiefen warnings check` (warnings_check) recomputes the current reports and reports every
difference. What a page does per request is bounded whatever the number of disputes: one read
of the report row and one ranged read of at most a page of items (index warning_item_rank).

When a report is computed: on the first request for a region and period (the page asks for it
and shows that it is being computed), and again when it is due — the day moved on inside its
period, or a dispute was registered or reopened inside its region since it was computed (the
only events that change a warning: categories, projects, places and parties are fixed at
registration). The sweep calls warning_reports_due once per run; it enqueues the computation
as a task (warning_reports_task), so the sweep itself stays short; the task computes the due
reports, each in its own short write transaction, within a time budget. The sweep also keeps
the default view (this year) of every city, county and town ready.
"""

from __future__ import annotations

import bisect
import json
import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiefen.disputes.reads import event_latest_id, events_in
from jiefen.metrics.early_warning import Report, Warning, early_warning_report
from jiefen.metrics.models import WarningItem, WarningReport
from jiefen.metrics.periods import DEFAULT_KIND, Period
from jiefen.regions.models import Level, Region, code_span

log = logging.getLogger(__name__)

ON_PAGE = 10  # warnings on the dashboard; the rest on the list of all warnings
PAGE = 50  # warnings per page of that list
BUDGET = 120.0  # seconds of computing per task run; what is left waits for the next sweep
CHANGES = ("register", "reopen")  # the events that change a warning


def _item_warning(item: WarningItem) -> Warning:
    return Warning(
        kind=item.kind,
        region=item.region_code,
        region_name=item.region_name,
        count=item.count,
        url=item.url,
        params=item.params,
        disputes=item.disputes,
    )


def _canonical(warning: Warning) -> str:
    """A warning as comparable text (JSON round trip, as the table stores it)."""
    return json.dumps(
        {
            "kind": warning.kind,
            "region": warning.region,
            "region_name": warning.region_name,
            "count": warning.count,
            "url": warning.url,
            "params": warning.params,
            "disputes": warning.disputes,
        },
        sort_keys=True,
        ensure_ascii=False,
    )


# --- computing ------------------------------------------------------------------------------


def _latest_event() -> int:
    return event_latest_id()


def report_compute(*, region: Region, start: date, end: date, today: date) -> WarningReport:
    """Compute the report of `region` over `start`–`end` as of `today` with
    early_warning_report and store it in place of the previous one (one short transaction)."""
    watermark = _latest_event()  # taken first: anything later makes the report due again
    report = early_warning_report(region=region, start=start, end=end, today=today)
    as_of = min(end, today)
    items = [
        WarningItem(
            rank=rank,
            kind=w.kind,
            region_code=w.region,
            region_name=w.region_name,
            count=w.count,
            url=w.url,
            params=w.params,
            disputes=w.disputes,
        )
        for rank, w in enumerate(report.warnings)
    ]
    with transaction.atomic():
        row = _row_locked(region.code, start, end)
        row.items.all().delete()
        row.as_of = as_of
        row.computed_at = timezone.now()
        row.watermark = watermark
        row.facts = report.facts
        row.total = len(items)
        row.save()
        for item in items:
            item.report = row
        # audit-exempt: derived from the events, recomputed and checked by `warnings check`
        WarningItem.objects.bulk_create(items, batch_size=500)
    return row


def _row_locked(code: int, start: date, end: date) -> WarningReport:
    """The report row, created if missing, locked until the end of the transaction: two
    computations of the same report write one after the other."""
    try:
        with transaction.atomic():
            WarningReport.objects.get_or_create(region_code=code, start=start, end=end)
    except IntegrityError:  # created at the same moment by another process
        pass
    return WarningReport.objects.select_for_update().get(region_code=code, start=start, end=end)


def _region(code: int) -> Region | None:
    return Region.objects.filter(code=code).first()


def _changed(rows: list[WarningReport], levels: dict[int, int]) -> tuple[set[int], int]:
    """The ids of `rows` with a registration or reopening inside their region after their
    watermark, and the highest event id read: one read of the events after the lowest
    watermark."""
    computed = [r for r in rows if r.as_of is not None]
    if not computed:
        return set(), 0
    lowest = min(r.watermark for r in computed)
    events = sorted(
        events_in(after_id=lowest, actions=CHANGES).values_list("dispute__region_code", "id")
    )
    codes = [code for code, _id in events]
    changed = set()
    for row in computed:
        low, high = code_span(row.region_code, levels.get(row.region_code, Level.VILLAGE))
        first = bisect.bisect_left(codes, low)
        last = bisect.bisect_right(codes, high)
        if any(events[i][1] > row.watermark for i in range(first, last)):
            changed.add(row.pk)
    return changed, max((i for _code, i in events), default=lowest)


def _seed(today: date) -> int:
    """Ask for the default view (this year) of every city, county and town."""
    period = Period.containing(DEFAULT_KIND, today)
    codes = Region.objects.filter(level__in=(Level.CITY, Level.COUNTY, Level.TOWN)).values_list(
        "code", flat=True
    )
    have = set(
        WarningReport.objects.filter(start=period.start, end=period.end).values_list(
            "region_code", flat=True
        )
    )
    missing = [
        WarningReport(region_code=code, start=period.start, end=period.end)
        for code in codes
        if code not in have
    ]
    # audit-exempt: derived from the events, recomputed and checked by `warnings check`
    WarningReport.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def reports_due(*, today: date) -> list[WarningReport]:
    """Reports to compute: never computed first, then the widest regions first."""
    rows = list(WarningReport.objects.all())
    levels = dict(
        Region.objects.filter(code__in={row.region_code for row in rows}).values_list(
            "code", "level"
        )
    )
    changed, seen = _changed(rows, levels)
    due = [
        row
        for row in rows
        if row.as_of is None or row.pk in changed or row.as_of < min(row.end, today)
    ]
    # The others have seen every change up to `seen`: move their watermark on (one
    # statement), so that the next run reads only newer events.
    waiting = {row.pk for row in due}
    fresh = [row.pk for row in rows if row.pk not in waiting and row.watermark < seen]
    if fresh:
        # audit-exempt: derived from the events, recomputed and checked by `warnings check`
        WarningReport.objects.filter(pk__in=fresh, watermark__lt=seen).update(watermark=seen)
    due.sort(key=lambda r: (r.as_of is not None, levels.get(r.region_code, 9), r.region_code))
    return due


def reports_refresh(*, today: date | None = None, budget: float | None = BUDGET) -> int:
    """Compute the due reports (within `budget` seconds when given); returns how many."""
    today = today or timezone.localdate()
    began = time.monotonic()
    done = 0
    for row in reports_due(today=today):
        if budget is not None and time.monotonic() - began > budget:
            break
        region = _region(row.region_code)
        if region is None:
            row.delete()
            continue
        report_compute(region=region, start=row.start, end=row.end, today=today)
        done += 1
    return done


def warning_reports_due(*, today: date) -> int:
    """The sweep's one call: ask for this year's reports of the cities, counties and towns
    and enqueue the computation of what is due (on the task worker)."""
    _seed(today)
    from jiefen.metrics.tasks import warning_reports_task

    transaction.on_commit(lambda: warning_reports_task.enqueue())
    return 1


# --- reading --------------------------------------------------------------------------------


@dataclass
class Shown:
    """What a page shows of a report: its items (a page of them), notes and state."""

    row: WarningReport | None
    warnings: list[Warning]
    pending: bool  # asked for, not computed yet
    outdated: bool  # computed on an earlier day: being computed again

    @property
    def total(self) -> int:
        return self.row.total if self.row else 0

    @property
    def notes(self) -> list[str]:
        return Report([], self.row.facts).notes if self.row else []

    @property
    def computed_at(self) -> Any:
        return self.row.computed_at if self.row else None


def report_read(
    *, region: Region, start: date, end: date, today: date, offset: int = 0, limit: int = ON_PAGE
) -> Shown:
    """The stored report of `region` over `start`–`end`, items `offset`…`offset+limit-1`; asks
    for a computation when there is none yet or it is from an earlier day. The caller has
    checked that the reader may see the region."""
    row = WarningReport.objects.filter(region_code=region.code, start=start, end=end).first()
    if row is None:
        try:
            with transaction.atomic():
                row = WarningReport.objects.create(region_code=region.code, start=start, end=end)
        except IntegrityError:
            row = WarningReport.objects.get(region_code=region.code, start=start, end=end)
        _ask()
    if row.as_of is None:
        return Shown(row, [], pending=True, outdated=False)
    outdated = row.as_of < min(end, today)
    items = row.items.filter(rank__gte=offset, rank__lt=offset + limit).order_by("rank")
    return Shown(row, [_item_warning(i) for i in items], pending=False, outdated=outdated)


def _ask() -> None:
    from jiefen.metrics.tasks import warning_reports_task

    transaction.on_commit(lambda: warning_reports_task.enqueue())


def report_current(*, region: Region, start: date, end: date, today: date) -> Report:
    """The whole report as early_warning_report gives it now: the stored one when nothing has
    changed since it was computed, else computed (and stored) now. For the agenda, which
    lists every warning."""
    row = WarningReport.objects.filter(region_code=region.code, start=start, end=end).first()
    current = (
        row is not None
        and row.as_of == min(end, today)
        and not events_in(region.span, after_id=row.watermark, actions=CHANGES).exists()
    )
    if not current:
        row = report_compute(region=region, start=start, end=end, today=today)
    assert row is not None
    return Report([_item_warning(i) for i in row.items.order_by("rank")], row.facts)


# --- checking -------------------------------------------------------------------------------


def warnings_check(*, regions: list[int] | None = None, today: date | None = None) -> list[str]:
    """Compare every current stored report (of `regions`, if given) with early_warning_report
    computed now; one line per difference. Reports waiting for their computation are not
    compared (they are listed by `warnings_waiting`)."""
    today = today or timezone.localdate()
    problems = []
    rows = WarningReport.objects.exclude(as_of=None).order_by("region_code", "start", "end")
    if regions:
        rows = rows.filter(region_code__in=regions)
    due = {row.pk for row in reports_due(today=today)}
    for row in rows:
        if row.pk in due:
            continue
        region = _region(row.region_code)
        if region is None:
            problems.append(f"{row}: region missing")
            continue
        fresh = early_warning_report(region=region, start=row.start, end=row.end, today=today)
        stored = [_item_warning(i) for i in row.items.order_by("rank")]
        problems += _differences(str(row), stored, row.facts, fresh)
    return problems


def _differences(label: str, stored: list[Warning], facts: list, fresh: Report) -> list[str]:
    problems = []
    if facts != fresh.facts:
        problems.append(f"{label}: notes {facts!r} ≠ {fresh.facts!r}")
    left = sorted(_canonical(w) for w in stored)
    right = sorted(_canonical(w) for w in fresh.warnings)
    for text in sorted(set(left) - set(right)):
        problems.append(f"{label}: stored only: {text[:300]}")
    for text in sorted(set(right) - set(left)):
        problems.append(f"{label}: computed only: {text[:300]}")
    if len(left) != len(right) and set(left) == set(right):
        problems.append(f"{label}: {len(left)} stored ≠ {len(right)} computed")
    # The order is the reference's: by count (largest first) within each kind.
    order = [(w.kind, -w.count) for w in stored]
    expected = [(w.kind, -w.count) for w in fresh.warnings]
    if not problems and order != expected:
        problems.append(f"{label}: order differs")
    return problems


def warnings_waiting(*, today: date | None = None) -> int:
    return len(reports_due(today=today or timezone.localdate()))
