"""`rollups_check()`: the rebuild's queries compared with the stored rows, and the dashboard's
figures with the raw aggregate of raw.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.utils import timezone

from jiefen.metrics.rollups.common import (
    LEVELS,
    VILLAGE,
)
from jiefen.metrics.rollups.rebuild import (
    TABLES,
    _Dialect,
    _Table,
    _upper_select,
    _village_select,
)
from jiefen.regions.models import Level


def _differences(cursor: Any, prefix: str, expected: str, stored: str, limit: int) -> list[tuple]:
    rows: list[tuple] = []
    for sign, a, b in (("-", expected, stored), ("+", stored, expected)):
        cursor.execute(
            f"{prefix} SELECT * FROM (SELECT * FROM ({a}) a EXCEPT SELECT * FROM ({b}) b) x "
            f"LIMIT {limit}"
        )
        rows.extend((sign, *row) for row in cursor.fetchall())
    return rows


def rollups_check(
    *, regions: Iterable[int] | None = None, periods: Iterable[Any] | None = None, limit: int = 20
) -> list[str]:
    """Every difference between the rollups and the history; an empty list when they agree.

    1. Each table's village-level rows against the rebuild's query over the history, and each
       upper level against the sum of the village level ("-": missing or different in the
       rollup, "+": in the rollup only). Rows whose counts are all zero are ignored.
    2. The figures (indicators.Sums) for `regions` (default: every province and city) and
       `periods` (default: this year, last year, this month) from the rollups against the raw
       aggregate of raw.py.
    """
    from jiefen.metrics import raw, selectors
    from jiefen.metrics.periods import Period
    from jiefen.regions.models import Region

    sql = _Dialect()
    problems: list[str] = []
    with connection.cursor() as cursor:
        for table in TABLES:
            columns = ", ".join(table.columns())

            def stored(level: int, table: _Table = table, columns: str = columns) -> str:
                nonzero = " OR ".join(f"{c} <> 0" for c in table.counts)
                return f"SELECT {columns} FROM {table.name} WHERE level = {level} AND ({nonzero})"

            prefix, expected = _village_select(table, sql)
            checks = [(prefix, expected, VILLAGE)] + [
                ("", _upper_select(table, level), level) for level in LEVELS[:-1]
            ]
            for with_clause, select, level in checks:
                for sign, *row in _differences(cursor, with_clause, select, stored(level), limit):
                    if not any(row[2 + len(table.keys) :]):
                        continue  # all zero: nothing to hold
                    problems.append(f"{table.model.__name__} {sign} {tuple(row)}")

    today = timezone.localdate()
    if periods is None:
        this_year = Period.containing("year", today)
        periods = [this_year, this_year.previous(), Period.containing("month", today)]
    if regions is None:
        regions = Region.objects.filter(level__lte=Level.CITY).values_list("code", flat=True)
    for region in Region.objects.filter(code__in=list(regions)):
        for period in periods:
            rolled = selectors.sums(region, period, today)
            counted = raw.sums_raw(region, period, today)
            for key in sorted(set(rolled.as_dict()) | set(counted.as_dict())):
                if rolled[key] != counted[key]:
                    problems.append(
                        f"{region.code} {period.start}..{period.end} {key}: "
                        f"rollup {rolled[key]} ≠ raw {counted[key]}"
                    )
    return problems
