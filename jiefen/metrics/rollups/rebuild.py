"""`rollups_rebuild()`: every table recomputed from the dispute history with set-based
INSERT … SELECT … GROUP BY."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, models, transaction
from django.utils import timezone

from jiefen.disputes.models import Dispute, Event, LevelStay
from jiefen.metrics.models import CategoryTally, DeadlineTally, MediationTally, StayMark, Tally
from jiefen.metrics.rollups.common import (
    LEVELS,
    LOW_TIERS,
    MEDIATING,
    OPEN,
    TALLY_COLUMNS,
    VILLAGE,
    width,
)


class _Dialect:
    """The few SQL expressions that differ between SQLite and PostgreSQL."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        zone = timezone.get_default_timezone()
        self.zone = str(zone)
        # SQLite holds UTC text; China has kept one offset since 1991.
        offset = zone.utcoffset(datetime(2020, 1, 1))  # noqa: DTZ001
        self.minutes = int(offset.total_seconds() // 60) if offset else 0

    @property
    def materialized(self) -> str:
        """Compute the CTE once for its several readers (SQLite and PostgreSQL ≥ 12)."""
        return "MATERIALIZED " if self.postgres or sqlite3.sqlite_version_info >= (3, 35) else ""

    def day(self, column: str) -> str:
        if self.postgres:
            return f"(({column}) AT TIME ZONE '{self.zone}')::date"
        return f"date({column}, '{self.minutes:+d} minutes')"

    def text(self, column: str, key: str) -> str:
        if self.postgres:
            return f"({column} ->> '{key}')"
        return f"json_extract({column}, '$.{key}')"

    def integer(self, column: str, key: str) -> str:
        """A whole number held under `key`, or NULL (for text, reals, booleans)."""
        if self.postgres:
            value = f"({column} ->> '{key}')"
            return (
                f"(CASE WHEN jsonb_typeof({column} -> '{key}') = 'number' "
                f"AND {value} ~ '^-?[0-9]{{1,9}}$' THEN {value}::integer END)"
            )
        return (
            f"(CASE WHEN json_type({column}, '$.{key}') = 'integer' "
            f"THEN json_extract({column}, '$.{key}') END)"
        )

    def date_of(self, column: str, key: str) -> str:
        if self.postgres:
            return f"({column} ->> '{key}')::date"
        return f"date(json_extract({column}, '$.{key}'))"

    def next_day(self, expression: str) -> str:
        if self.postgres:
            return f"(({expression}) + 1)"
        return f"date({expression}, '+1 day')"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.postgres else f"MAX({a}, {b})"

    def flag(self, condition: str) -> str:
        return f"CASE WHEN {condition} THEN 1 ELSE 0 END"

    def count_if(self, condition: str) -> str:
        return f"SUM({self.flag(condition)})"


def _tables() -> dict[str, str]:
    return {
        "dispute": Dispute._meta.db_table,
        "event": Event._meta.db_table,
        "stay": LevelStay._meta.db_table,
    }


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


Span = tuple[int, int] | None  # disputes first…last by id, or all of them


def _where(column: str, span: Span, joined: str = "WHERE") -> str:
    """A condition keeping the rows of the disputes in `span` (nothing for all of them)."""
    if span is None:
        return ""
    first, last = int(span[0]), int(span[1])
    return f" {joined} {column} BETWEEN {first} AND {last}"


def _tally_select(sql: _Dialect, span: Span = None) -> tuple[str, str]:
    """The village-level Tally rows, from the dispute, event and level-stay tables: a WITH
    clause and the SELECT that uses it. The events are read once, in dispute order (for the
    state each event ends), with what every count needs from each."""
    t = _tables()
    open_ = _in(OPEN)

    def source(region: str, day: str, rest: str, **columns: str) -> str:
        assert set(columns) <= set(TALLY_COLUMNS), columns
        values = ", ".join(f"{columns.get(c, '0')} AS {c}" for c in TALLY_COLUMNS)
        return f"SELECT {region} AS r, {day} AS day, {values} {rest}"

    overdue_from = sql.greatest(sql.next_day("v.due"), "v.at_day")
    overdue_until = sql.greatest(
        sql.greatest(sql.next_day("v.before_due"), "v.before_day"), "v.at_day"
    )
    resolve = "v.action = 'resolve'"
    sources = [
        source(
            "d.region_code",
            sql.day("d.registered_at"),
            f"FROM {t['dispute']} d{_where('d.id', span)} "
            f"GROUP BY d.region_code, {sql.day('d.registered_at')}",
            received="COUNT(*)",
            mass=sql.count_if("d.mass"),
        ),
        source(
            "d.region_code",
            sql.day("d.accepted_at"),
            f"FROM {t['dispute']} d WHERE d.accepted_at IS NOT NULL{_where('d.id', span, 'AND')} "
            f"GROUP BY d.region_code, {sql.day('d.accepted_at')}",
            accepted="COUNT(*)",
        ),
        source(
            "v.r",
            "v.at_day",
            "FROM ev v WHERE v.action IN ('resolve', 'visit', 'rate', 'reopen', 'close') "
            "OR v.is_open <> v.was_open GROUP BY v.r, v.at_day",
            resolved=sql.count_if(resolve),
            agreed=sql.count_if(f"{resolve} AND v.outcome = 'agreement'"),
            village_registered_resolved=sql.count_if(f"{resolve} AND v.registered = 'village'"),
            kept_in_village=sql.count_if(
                f"{resolve} AND v.registered = 'village' AND v.tier = 'village'"
            ),
            at_or_below_town=sql.count_if(f"{resolve} AND v.tier IN {_in(LOW_TIERS)}"),
            ratings=sql.count_if("v.rating BETWEEN 1 AND 5"),
            ratings_good=sql.count_if("v.rating BETWEEN 4 AND 5"),
            reopened=sql.count_if("v.action = 'reopen'"),
            closed=sql.count_if("v.action = 'close'"),
            open_delta="SUM(v.is_open - v.was_open)",
        ),
        # Overdue: +1 where an open state with a deadline begins to be overdue, −1 where it
        # ends (see the module docstring).
        source(
            "v.r",
            overdue_from,
            f"FROM ev v WHERE v.due IS NOT NULL GROUP BY v.r, {overdue_from}",
            overdue_delta="COUNT(*)",
        ),
        source(
            "v.r",
            overdue_until,
            f"FROM ev v WHERE v.before_due IS NOT NULL GROUP BY v.r, {overdue_until}",
            overdue_delta="-COUNT(*)",
        ),
    ]
    due = f"CASE WHEN e.to_status IN {open_} THEN {sql.date_of('e.params', 'due')} END"
    rating = (
        f"CASE WHEN e.action = 'visit' THEN {sql.integer('e.params', 'satisfaction')} "
        f"WHEN e.action = 'rate' THEN {sql.integer('e.params', 'score')} END"
    )
    at_day = sql.day("e.at")
    events = (
        f"SELECT d.region_code AS r, e.action AS action, {at_day} AS at_day, "
        f"{sql.text('e.params', 'outcome')} AS outcome, {sql.text('e.params', 'tier')} AS tier, "
        f"s.tier AS registered, {rating} AS rating, "
        f"{sql.flag(f'e.to_status IN {open_}')} AS is_open, "
        f"{sql.flag(f'e.from_status IN {open_}')} AS was_open, "
        f"{due} AS due, LAG({due}) OVER w AS before_due, LAG({at_day}) OVER w AS before_day "
        f"FROM {t['event']} e JOIN {t['dispute']} d ON d.id = e.dispute_id "
        f"LEFT JOIN {t['stay']} s ON s.dispute_id = e.dispute_id "
        f"AND s.arrived_how = 'registered'{_where('e.dispute_id', span)} "
        f"WINDOW w AS (PARTITION BY e.dispute_id ORDER BY e.id)"
    )
    sums = ", ".join(f"CAST(SUM(u.{c}) AS INTEGER) AS {c}" for c in TALLY_COLUMNS)
    nonzero = " OR ".join(f"SUM(u.{c}) <> 0" for c in TALLY_COLUMNS)
    return (
        f"WITH ev AS {sql.materialized}({events})",
        f"SELECT {VILLAGE} AS level, u.r AS region_code, u.day AS day, {sums} "
        f"FROM ({' UNION ALL '.join(sources)}) u GROUP BY u.r, u.day HAVING {nonzero}",
    )


def _category_select(sql: _Dialect, span: Span = None) -> str:
    d = _tables()["dispute"]
    day = sql.day("d.registered_at")
    return (
        f"SELECT {VILLAGE} AS level, d.region_code AS region_code, {day} AS day, "
        f"d.category_id AS category_id, CAST(COUNT(*) AS INTEGER) AS received FROM {d} d"
        f"{_where('d.id', span)} GROUP BY d.region_code, {day}, d.category_id"
    )


def _state_sql() -> str:
    return (
        "CASE WHEN s.left_at IS NULL THEN 'pending' WHEN s.met THEN 'met' "
        "WHEN NOT s.met THEN 'late' END"
    )


def _deadline_select(sql: _Dialect, span: Span = None) -> str:
    s = _tables()["stay"]
    counts = ", ".join(
        f"CAST({sql.count_if(f'x.state = {state!r}')} AS INTEGER) AS {state}"
        for state in ("met", "late", "pending")
    )
    return (
        f"SELECT {VILLAGE} AS level, x.region_code AS region_code, x.due_day AS due_day, "
        f"x.tier AS tier, {counts} "
        f"FROM (SELECT s.region_code AS region_code, s.due_date AS due_day, s.tier AS tier, "
        f"{_state_sql()} AS state FROM {s} s WHERE s.due_date IS NOT NULL"
        f"{_where('s.dispute_id', span, 'AND')}) x "
        f"WHERE x.state IS NOT NULL GROUP BY x.region_code, x.due_day, x.tier"
    )


def _mark_select(span: Span = None) -> str:
    s = _tables()["stay"]
    return (
        f"SELECT x.stay_id, x.dispute_id, x.due_day, x.state FROM (SELECT s.id AS stay_id, "
        f"s.dispute_id AS dispute_id, s.due_date AS due_day, {_state_sql()} AS state FROM {s} s "
        f"WHERE s.due_date IS NOT NULL{_where('s.dispute_id', span, 'AND')}) x "
        f"WHERE x.state IS NOT NULL"
    )


def _mediation_select(sql: _Dialect, span: Span = None) -> str:
    t = _tables()
    accepted, mediated = sql.day("d.accepted_at"), sql.day("m.first_at")
    return (
        f"SELECT {VILLAGE} AS level, d.region_code AS region_code, {accepted} AS accepted_day, "
        f"{mediated} AS mediated_day, CAST(COUNT(*) AS INTEGER) AS n FROM {t['dispute']} d "
        f"JOIN (SELECT e.dispute_id AS dispute_id, MIN(e.at) AS first_at FROM {t['event']} e "
        f"WHERE e.action IN {_in(MEDIATING)}{_where('e.dispute_id', span, 'AND')} "
        f"GROUP BY e.dispute_id) m ON m.dispute_id = d.id "
        f"WHERE d.accepted_at IS NOT NULL{_where('d.id', span, 'AND')} "
        f"GROUP BY d.region_code, {accepted}, {mediated}"
    )


@dataclass(frozen=True)
class _Table:
    model: type[models.Model]
    keys: tuple[str, ...]
    counts: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    def columns(self) -> tuple[str, ...]:
        return ("level", "region_code", *self.keys, *self.counts)


TABLES = (
    _Table(Tally, ("day",), TALLY_COLUMNS),
    _Table(CategoryTally, ("day", "category_id"), ("received",)),
    _Table(DeadlineTally, ("due_day", "tier"), ("met", "late", "pending")),
    _Table(MediationTally, ("accepted_day", "mediated_day"), ("n",)),
)


def _village_select(table: _Table, sql: _Dialect, span: Span = None) -> tuple[str, str]:
    """A WITH clause (or nothing) and the SELECT of the table's village-level rows (of the
    disputes in `span`, or of all)."""
    if table.model is Tally:
        return _tally_select(sql, span)
    select = {
        CategoryTally: _category_select,
        DeadlineTally: _deadline_select,
        MediationTally: _mediation_select,
    }[table.model](sql, span)
    return "", select


def _upper_select(table: _Table, level: int, source_level: int = VILLAGE) -> str:
    """Rows at `level` summed from the rows at `source_level` of the same table."""
    w = width(level)
    region = f"region_code - region_code % {w}"
    keys = ", ".join(table.keys)
    sums = ", ".join(f"CAST(SUM({c}) AS INTEGER)" for c in table.counts)
    return (
        f"SELECT {level}, {region}, {keys}, {sums} FROM {table.name} "
        f"WHERE level = {source_level} GROUP BY {region}, {keys}"
    )


def rollups_rebuild() -> dict[str, int]:
    """Recompute every rollup from the dispute, event and level-stay tables, in one
    transaction. Returns the rows written per table."""
    sql = _Dialect()
    written: dict[str, int] = {}
    names = [t.name for t in TABLES] + [StayMark._meta.db_table]
    with transaction.atomic(), connection.cursor() as cursor:
        if sql.postgres:
            # One statement, first: a concurrent event's upserts wait for the rebuild to commit
            # and then add to it, and the rebuild sees every event committed before it.
            cursor.execute("TRUNCATE " + ", ".join(names))
            cursor.execute("SET LOCAL work_mem = '256MB'")
        else:
            for name in names:
                cursor.execute(f"DELETE FROM {name}")
        for table in TABLES:
            columns = ", ".join(table.columns())
            # Written in key order, so that the rows of one region lie together on disk: a
            # dashboard then reads a few pages rather than one page per row.
            order = ", ".join(str(i) for i in range(2, 3 + len(table.keys)))
            prefix, select = _village_select(table, sql)
            cursor.execute(
                f"{prefix} INSERT INTO {table.name} ({columns}) "
                f"SELECT * FROM ({select}) x ORDER BY {order}"
            )
            total = cursor.rowcount
            for level in LEVELS[:-1]:
                cursor.execute(
                    f"INSERT INTO {table.name} ({columns}) "
                    f"SELECT * FROM ({_upper_select(table, level)}) x ORDER BY {order}"
                )
                total += cursor.rowcount
            written[table.model.__name__] = total
        cursor.execute(
            f"INSERT INTO {StayMark._meta.db_table} (stay_id, dispute_id, due_day, state) "
            f"SELECT * FROM ({_mark_select()}) x ORDER BY 2, 1"
        )
        written["StayMark"] = cursor.rowcount
        if sql.postgres:
            cursor.execute("ANALYZE " + ", ".join(names))
    return written


def rollups_add(first: int, last: int) -> dict[str, int]:
    """Add to every rollup what the disputes with ids first…last count for, at every level:
    for disputes written around the services (a bulk load in batches) that count for nothing
    yet. Each count is a sum over disputes, so the rollups then equal a rebuild's. In the
    caller's transaction (or one of its own); returns the rows upserted per table."""
    sql = _Dialect()
    span = (first, last)
    q = connection.ops.quote_name
    written: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for table in TABLES:
            prefix, select = _village_select(table, sql, span)
            cursor.execute(f"{prefix} {select}")
            found = cursor.fetchall()
            keys = len(table.keys)
            summed: dict[tuple, list[int]] = {}
            for row in found:
                code, key, counts = row[1], tuple(row[2 : 2 + keys]), row[2 + keys :]
                for level in LEVELS:
                    at = (level, code - code % width(level), *key)
                    total = summed.get(at)
                    if total is None:
                        summed[at] = [int(n or 0) for n in counts]
                    else:
                        for i, n in enumerate(counts):
                            total[i] += int(n or 0)
            if not summed:
                written[table.model.__name__] = 0
                continue
            name = q(table.name)
            columns = table.columns()
            conflict = ", ".join(q(c) for c in columns[: 2 + keys])
            updates = ", ".join(f"{q(c)} = {name}.{q(c)} + EXCLUDED.{q(c)}" for c in table.counts)
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {name} ({', '.join(q(c) for c in columns)}) VALUES ({marks}) "
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                [(*at, *counts) for at, counts in sorted(summed.items())],
            )
            written[table.model.__name__] = len(summed)
        cursor.execute(
            f"INSERT INTO {StayMark._meta.db_table} (stay_id, dispute_id, due_day, state) "
            f"{_mark_select(span)}"
        )
        written["StayMark"] = cursor.rowcount
    return written
