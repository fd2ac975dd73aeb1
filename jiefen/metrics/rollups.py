"""Keeping the rollups (models.py) equal to what the dispute history says.

Three ways in, one meaning:

- `rollup_event(event, dispute)`: the services call it for every event they write, in the same
  transaction, after the event row and the move's changes to the dispute and its level stays.
  It reads the dispute's earlier events and its stays (two indexed lookups), works out what
  this event changes, and adds it with one multi-row INSERT … ON CONFLICT DO UPDATE per table
  (SQLite ≥ 3.24 and PostgreSQL), at every level of the region tree. Increments commute, and
  rows are written in one global order (table, level, code, day), so concurrent transactions
  queue on the rows they share and never deadlock or lose a count.
- `rollups_rebuild()`: recomputes every table from the dispute, event and level-stay tables
  with set-based INSERT … SELECT … GROUP BY — for bulk loads (the synthetic generator), after a
  rule change, or to repair.
- `rollups_check()`: the rebuild's queries compared with the stored rows, and the dashboard's
  figures compared with the raw aggregate of raw.py; reports every difference.

What each Tally column counts for a region and local day D (the same words as indicators.py):

received, mass    disputes registered on D (mass: 10+ people)
accepted          disputes first accepted on D (Dispute.accepted_at: set by the first accept,
                  session, receive or return)
resolved, agreed  resolve events on D; agreed: with outcome "agreement"
village_registered_resolved / kept_in_village
                  resolve events of disputes registered by a village group (their first level
                  stay is at village level) / of those, made at village level (param "tier")
at_or_below_town  resolve events made at village or town level
ratings, ratings_good
                  visit events with param "satisfaction" and rate events with param "score";
                  good: 4 or 5
reopened, closed  reopen and close events
open_delta        + disputes that became open on D, − those that stopped being open
overdue_delta     the difference form of "open and past its deadline at the end of the day":
                  a dispute whose state since an event on day s is open with deadline X (the
                  event's "due" param) is overdue at the end of every day from
                  a = max(X + 1, s) until its next event on day E (exclusive): +1 on a, −1 on
                  max(a, E). So the count at the end of any day — past, or today — is a sum
                  over days ≤ it, with no daily snapshot job, exact for any past day.

DeadlineTally counts level stays with a due date by that date and tier: met, late (left after
it) and pending (not left yet; a pending stay counts as missed once its due date has passed).
StayMark remembers what each stay counts for, so that a change of due date or state moves one
count. MediationTally counts disputes by the day they were accepted and the day mediation
started (first session or resolution), because the mediation rate needs both.

Assumptions: a dispute's events are written in time order (ids and `at` agree). Level
deadlines changed without an event (services.deadlines_recompute) reach DeadlineTally through
`rollup_stays(dispute)`, the dispute's next event, or a rebuild; "overdue" always follows the
deadline recorded with the events, as the history says it was at the time.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from jiefen.disputes.models import OPEN_STATUSES, Dispute, Event, LevelStay
from jiefen.metrics.models import CategoryTally, DeadlineTally, MediationTally, StayMark, Tally
from jiefen.regions.models import LEVEL_DIGITS, Level

LEVELS = tuple(int(level) for level in Level)  # 1 province … 5 village
VILLAGE = int(Level.VILLAGE)
TALLY_COLUMNS = (
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
    "open_delta",
    "overdue_delta",
)
ACCEPTING = frozenset({"accept", "session", "receive", "return"})
MEDIATING = frozenset({"session", "resolve"})
OPEN = frozenset(str(s) for s in OPEN_STATUSES)
LOW_TIERS = frozenset({"village", "town"})


def width(level: int) -> int:
    return 10 ** (12 - LEVEL_DIGITS[Level(level)])


def truncate(code: int, level: int) -> int:
    """The code of the unit at `level` that holds `code` (the code itself if it is coarser)."""
    return code - code % width(level)


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _due(params: Any) -> date | None:
    try:
        return date.fromisoformat(params["due"]) if params and params.get("due") else None
    except (TypeError, ValueError):
        return None


def rating_of(action: str, params: Any) -> int | None:
    """The rating an event gives, if any: a whole number from 1 to 5."""
    key = {"visit": "satisfaction", "rate": "score"}.get(action)
    value = (params or {}).get(key) if key else None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    return None


def stay_state(due: date | None, left_at: datetime | None, met: bool | None) -> str | None:
    if due is None:
        return None
    if left_at is None:
        return StayMark.State.PENDING
    if met is True:
        return StayMark.State.MET
    if met is False:
        return StayMark.State.LATE
    return None


# --- the hook -----------------------------------------------------------------------------------


@dataclass
class _Changes:
    tally: defaultdict[date, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    categories: Counter[tuple[date, int]] = field(default_factory=Counter)
    deadlines: defaultdict[tuple[date, str], Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    mediation: Counter[tuple[date, date]] = field(default_factory=Counter)
    marks: list[tuple[int, date, str]] = field(default_factory=list)  # stay marks to write
    gone: list[int] = field(default_factory=list)  # stay marks to delete


def _overdue_from(state_day: date, due: date | None) -> date | None:
    """The first day at whose end a state that began on `state_day` with deadline `due` is
    overdue (None: it never is)."""
    if due is None:
        return None
    return max(date.fromordinal(due.toordinal() + 1), state_day)


def _moment(value: Any) -> datetime:
    """A timestamp read with a plain cursor: aware on PostgreSQL, UTC text on SQLite."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _params(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else (value or {})


def _read(sql: str, params: Sequence[Any]) -> list[tuple]:
    # Plain SQL: the ORM's query compilation would cost more than the lookups themselves.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def rollup_event(event: Event, dispute: Dispute) -> None:
    """Add what `event` changes to the rollups. Call it in the transaction that wrote the
    event, after the move's changes to `dispute` (the row after the move) and its stays."""
    changes = _Changes()
    q = connection.ops.quote_name
    day = local_day(event.at)
    action = event.action
    params = event.params or {}
    prior = _read(
        f"SELECT action, to_status, params, {q('at')} FROM {Event._meta.db_table} "
        "WHERE dispute_id = %s AND id < %s ORDER BY id",
        [dispute.pk, event.pk],
    )
    stays = _stays_of(dispute.pk)
    earlier_actions = {row[0] for row in prior}
    tally = changes.tally[day]

    if action == "register":
        tally["received"] += 1
        tally["mass"] += 1 if dispute.mass else 0
        changes.categories[(local_day(dispute.registered_at), dispute.category_id)] += 1
    if action in ACCEPTING and not earlier_actions & ACCEPTING and dispute.accepted_at:
        changes.tally[local_day(dispute.accepted_at)]["accepted"] += 1
    if action in MEDIATING and not earlier_actions & MEDIATING and dispute.accepted_at:
        changes.mediation[(local_day(dispute.accepted_at), day)] += 1
    if action == "resolve":
        tier = params.get("tier")
        registered_tier = next((s[1] for s in stays if s[5] == "registered"), None)
        tally["resolved"] += 1
        tally["agreed"] += 1 if params.get("outcome") == "agreement" else 0
        tally["at_or_below_town"] += 1 if tier in LOW_TIERS else 0
        if registered_tier == "village":
            tally["village_registered_resolved"] += 1
            tally["kept_in_village"] += 1 if tier == "village" else 0
    rating = rating_of(action, params)
    if rating is not None:
        tally["ratings"] += 1
        tally["ratings_good"] += 1 if rating >= 4 else 0
    if action == "reopen":
        tally["reopened"] += 1
    if action == "close":
        tally["closed"] += 1

    # Open, and overdue: the state before this event (from the previous one) ends today, the
    # state after it begins today.
    was_open = event.from_status in OPEN
    is_open = event.to_status in OPEN
    tally["open_delta"] += int(is_open) - int(was_open)
    if prior:
        _action, before_status, before_params, before_at = prior[-1]
        if before_status in OPEN:
            began = _overdue_from(local_day(_moment(before_at)), _due(_params(before_params)))
            if began is not None:
                changes.tally[max(began, day)]["overdue_delta"] -= 1
    if is_open:
        began = _overdue_from(day, _due(params))
        if began is not None:
            changes.tally[began]["overdue_delta"] += 1

    _move_stays(changes, stays)
    _apply(changes, dispute.region_code)
    _mark(dispute.pk, changes.marks, changes.gone)


def _stays_of(dispute_id: int) -> list[tuple]:
    """The dispute's level stays, with what each counted for until now."""
    return _read(
        f"SELECT s.id, s.tier, s.due_date, s.left_at, s.met, s.arrived_how, m.due_day, m.state "
        f"FROM {LevelStay._meta.db_table} s LEFT JOIN {StayMark._meta.db_table} m "
        f"ON m.stay_id = s.id WHERE s.dispute_id = %s ORDER BY s.id",
        [dispute_id],
    )


def _move_stays(changes: _Changes, stays: list[tuple]) -> None:
    """Level deadlines: move the count of each stay whose due date or state changed."""
    for stay_id, tier, due, left_at, met, _how, marked_day, marked_state in stays:
        due = _day(due)
        state = stay_state(due, left_at, None if met is None else bool(met))
        now = (due, state) if due is not None and state is not None else None
        before = (date.fromisoformat(str(marked_day)[:10]), marked_state) if marked_state else None
        if now == before:
            continue
        if before is not None:
            changes.deadlines[(before[0], tier)][before[1]] -= 1
        if now is not None:
            changes.deadlines[(now[0], tier)][now[1]] += 1
            changes.marks.append((stay_id, now[0], now[1]))
        else:
            changes.gone.append(stay_id)


def rollup_stays(dispute: Dispute) -> None:
    """Bring the level-deadline counts of `dispute` up to date after its stays' due dates
    changed without an event (services.deadlines_recompute); in the same transaction."""
    changes = _Changes()
    _move_stays(changes, _stays_of(dispute.pk))
    _apply(changes, dispute.region_code)
    _mark(dispute.pk, changes.marks, changes.gone)


def _mark(dispute_id: int, marks: list[tuple[int, date, str]], gone: list[int]) -> None:
    q = connection.ops.quote_name
    table = q(StayMark._meta.db_table)
    with connection.cursor() as cursor:
        if marks:
            values = [
                v
                for stay_id, due, state in marks
                for v in (stay_id, dispute_id, _param(due), state)
            ]
            cursor.execute(
                f"INSERT INTO {table} (stay_id, dispute_id, due_day, {q('state')}) VALUES "
                + ", ".join(["(%s, %s, %s, %s)"] * len(marks))
                + f" ON CONFLICT (stay_id) DO UPDATE SET due_day = EXCLUDED.due_day, "
                f"{q('state')} = EXCLUDED.{q('state')}",
                values,
            )
        if gone:
            cursor.execute(
                f"DELETE FROM {table} WHERE stay_id IN ({', '.join(['%s'] * len(gone))})", gone
            )


def _param(value: Any) -> Any:
    """Dates as ISO text for SQLite (as Django's own fields send them), as dates otherwise."""
    if isinstance(value, date) and connection.vendor == "sqlite":
        return value.isoformat()
    return value


def _apply(changes: _Changes, code: int) -> None:
    _add(
        Tally,
        ("day",),
        {(d,): counts for d, counts in changes.tally.items()},
        code,
    )
    _add(
        CategoryTally,
        ("day", "category_id"),
        {key: Counter(received=n) for key, n in changes.categories.items()},
        code,
    )
    _add(
        DeadlineTally,
        ("due_day", "tier"),
        {key: counts for key, counts in changes.deadlines.items()},
        code,
    )
    _add(
        MediationTally,
        ("accepted_day", "mediated_day"),
        {key: Counter(n=n) for key, n in changes.mediation.items()},
        code,
    )


def _add(
    model: type[models.Model],
    keys: Sequence[str],
    rows: dict[tuple[Any, ...], Counter[str]],
    code: int,
) -> None:
    """Add `rows` (key → counts) to `model` at every level of `code`, in one statement."""
    rows = {key: counts for key, counts in rows.items() if any(counts.values())}
    if not rows:
        return
    columns = sorted({column for counts in rows.values() for column, n in counts.items() if n})
    values: list[Any] = []
    for level in LEVELS:
        region = truncate(code, level)
        for key in sorted(rows):
            counts = rows[key]
            values.extend([level, region, *map(_param, key), *(counts[c] for c in columns)])
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    names = ["level", "region_code", *keys, *columns]
    row = "(" + ", ".join(["%s"] * len(names)) + ")"
    conflict = ", ".join(q(c) for c in ["level", "region_code", *keys])
    updates = ", ".join(f"{q(c)} = {table}.{q(c)} + EXCLUDED.{q(c)}" for c in columns)
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in names)}) "
        f"VALUES {', '.join([row] * (len(values) // len(names)))} "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


# --- rebuild ------------------------------------------------------------------------------------


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


def _tally_select(sql: _Dialect) -> tuple[str, str]:
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
            f"FROM {t['dispute']} d GROUP BY d.region_code, {sql.day('d.registered_at')}",
            received="COUNT(*)",
            mass=sql.count_if("d.mass"),
        ),
        source(
            "d.region_code",
            sql.day("d.accepted_at"),
            f"FROM {t['dispute']} d WHERE d.accepted_at IS NOT NULL "
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
        f"AND s.arrived_how = 'registered' "
        f"WINDOW w AS (PARTITION BY e.dispute_id ORDER BY e.id)"
    )
    sums = ", ".join(f"CAST(SUM(u.{c}) AS INTEGER) AS {c}" for c in TALLY_COLUMNS)
    nonzero = " OR ".join(f"SUM(u.{c}) <> 0" for c in TALLY_COLUMNS)
    return (
        f"WITH ev AS {sql.materialized}({events})",
        f"SELECT {VILLAGE} AS level, u.r AS region_code, u.day AS day, {sums} "
        f"FROM ({' UNION ALL '.join(sources)}) u GROUP BY u.r, u.day HAVING {nonzero}",
    )


def _category_select(sql: _Dialect) -> str:
    d = _tables()["dispute"]
    day = sql.day("d.registered_at")
    return (
        f"SELECT {VILLAGE} AS level, d.region_code AS region_code, {day} AS day, "
        f"d.category_id AS category_id, CAST(COUNT(*) AS INTEGER) AS received FROM {d} d "
        f"GROUP BY d.region_code, {day}, d.category_id"
    )


def _state_sql() -> str:
    return (
        "CASE WHEN s.left_at IS NULL THEN 'pending' WHEN s.met THEN 'met' "
        "WHEN NOT s.met THEN 'late' END"
    )


def _deadline_select(sql: _Dialect) -> str:
    s = _tables()["stay"]
    counts = ", ".join(
        f"CAST({sql.count_if(f'x.state = {state!r}')} AS INTEGER) AS {state}"
        for state in ("met", "late", "pending")
    )
    return (
        f"SELECT {VILLAGE} AS level, x.region_code AS region_code, x.due_day AS due_day, "
        f"x.tier AS tier, {counts} "
        f"FROM (SELECT s.region_code AS region_code, s.due_date AS due_day, s.tier AS tier, "
        f"{_state_sql()} AS state FROM {s} s WHERE s.due_date IS NOT NULL) x "
        f"WHERE x.state IS NOT NULL GROUP BY x.region_code, x.due_day, x.tier"
    )


def _mark_select() -> str:
    s = _tables()["stay"]
    return (
        f"SELECT x.stay_id, x.dispute_id, x.due_day, x.state FROM (SELECT s.id AS stay_id, "
        f"s.dispute_id AS dispute_id, s.due_date AS due_day, {_state_sql()} AS state FROM {s} s "
        f"WHERE s.due_date IS NOT NULL) x WHERE x.state IS NOT NULL"
    )


def _mediation_select(sql: _Dialect) -> str:
    t = _tables()
    accepted, mediated = sql.day("d.accepted_at"), sql.day("m.first_at")
    return (
        f"SELECT {VILLAGE} AS level, d.region_code AS region_code, {accepted} AS accepted_day, "
        f"{mediated} AS mediated_day, CAST(COUNT(*) AS INTEGER) AS n FROM {t['dispute']} d "
        f"JOIN (SELECT e.dispute_id AS dispute_id, MIN(e.at) AS first_at FROM {t['event']} e "
        f"WHERE e.action IN {_in(MEDIATING)} GROUP BY e.dispute_id) m ON m.dispute_id = d.id "
        f"WHERE d.accepted_at IS NOT NULL GROUP BY d.region_code, {accepted}, {mediated}"
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


def _village_select(table: _Table, sql: _Dialect) -> tuple[str, str]:
    """A WITH clause (or nothing) and the SELECT of the table's village-level rows."""
    if table.model is Tally:
        return _tally_select(sql)
    select = {
        CategoryTally: _category_select,
        DeadlineTally: _deadline_select,
        MediationTally: _mediation_select,
    }[table.model](sql)
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


# --- check --------------------------------------------------------------------------------------


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
