"""The incremental way in: `rollup_event` for every event written and `rollup_stays` for a
deadline moved without one, in the writer's transaction (see the package's docstring)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from jiefen.disputes.models import Dispute, Event, LevelStay
from jiefen.lib.rows import values_run
from jiefen.metrics.models import CategoryTally, DeadlineTally, MediationTally, StayMark, Tally
from jiefen.metrics.rollups.common import (
    ACCEPTING,
    LEVELS,
    LOW_TIERS,
    MEDIATING,
    OPEN,
    _due,
    local_day,
    rating_of,
    stay_state,
    truncate,
)


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
    prior, stays = _history_of(dispute.pk, event.pk)
    _fold(changes, event, dispute, prior, stays)
    _apply(changes, dispute.region_code)
    _mark(dispute.pk, changes.marks, changes.gone)


def _fold(
    changes: _Changes, event: Event, dispute: Dispute, prior: list[tuple], stays: list[tuple]
) -> None:
    """What `event` changes, given the dispute's earlier events (action, to_status, params, at)
    and its level stays after the event as _stays_of gives them; nothing read or written."""
    day = local_day(event.at)
    action = event.action
    params = event.params or {}
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


def _history_of(dispute_id: int, event_id: int) -> tuple[list[tuple], list[tuple]]:
    """The dispute's events before `event_id` (action, to_status, params, at) and its level
    stays as _stays_of gives them, in one statement (a registration has no earlier event)."""
    q = connection.ops.quote_name
    rows = _read(
        f"SELECT 'e', id, action, to_status, params, {q('at')}, NULL, NULL, NULL, NULL "
        f"FROM {Event._meta.db_table} WHERE dispute_id = %s AND id < %s "
        "UNION ALL "
        "SELECT 's', s.id, s.tier, s.arrived_how, NULL, s.left_at, s.due_date, s.met, "
        f"m.due_day, m.state FROM {LevelStay._meta.db_table} s "
        f"LEFT JOIN {StayMark._meta.db_table} m ON m.stay_id = s.id WHERE s.dispute_id = %s "
        "ORDER BY 1, 2",
        [dispute_id, event_id, dispute_id],
    )
    prior = [(r[2], r[3], r[4], r[5]) for r in rows if r[0] == "e"]
    stays = [(r[1], r[2], r[6], r[5], r[7], r[3], r[8], r[9]) for r in rows if r[0] == "s"]
    return prior, stays


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


# ---------------------------------------------------------------------------------------------
# Fresh disputes replayed in memory (jiefen.disputes.replay): the same fold, event by event,
# from the history in hand; the counts and the stay marks written once for the whole chunk.


class RollupReplay:
    """The rollups of a chunk of fresh disputes replayed in memory. `event` folds each event as
    rollup_event would have once it was written, from the dispute's earlier events and its
    stays as they stand after it; `write` adds the sums to the counts (one statement per table)
    and writes the stays' marks, once the stays have their ids. A count row is written where
    rollup_event would have written it, even if its sums come to nothing."""

    def __init__(self) -> None:
        self.counts: dict[type[models.Model], dict[tuple[Any, ...], Counter[str]]] = {}
        self.keys: dict[type[models.Model], tuple[str, ...]] = {}
        self.marks: dict[int, tuple[Any, Dispute, date, str]] = {}  # id(stay) → stay, dispute, mark

    def event(self, event: Event, dispute: Dispute, earlier: list[Event], stays: list[Any]) -> None:
        prior = [(e.action, e.to_status, e.params, e.at) for e in earlier]
        rows = []
        for stay in stays:
            mark = self.marks.get(id(stay))
            rows.append(
                (
                    id(stay),
                    stay.tier,
                    stay.due_date,
                    stay.left_at,
                    stay.met,
                    stay.arrived_how,
                    mark[2] if mark else None,
                    mark[3] if mark else None,
                )
            )
        changes = _Changes()
        _fold(changes, event, dispute, prior, rows)
        code = dispute.region_code
        self._add(Tally, ("day",), {(d,): c for d, c in changes.tally.items()}, code)
        self._add(
            CategoryTally,
            ("day", "category_id"),
            {key: Counter(received=n) for key, n in changes.categories.items()},
            code,
        )
        self._add(DeadlineTally, ("due_day", "tier"), dict(changes.deadlines), code)
        self._add(
            MediationTally,
            ("accepted_day", "mediated_day"),
            {key: Counter(n=n) for key, n in changes.mediation.items()},
            code,
        )
        by_id = {id(stay): stay for stay in stays}
        for key, due, state in changes.marks:
            self.marks[key] = (by_id[key], dispute, due, state)
        for key in changes.gone:
            self.marks.pop(key, None)

    def _add(
        self,
        model: type[models.Model],
        keys: tuple[str, ...],
        rows: dict[tuple[Any, ...], Counter[str]],
        code: int,
    ) -> None:
        """As _add would write them: only keys with a count, at every level of `code`."""
        self.keys[model] = keys
        sums = self.counts.setdefault(model, {})
        for key, counts in rows.items():
            if not any(counts.values()):
                continue
            for level in LEVELS:
                total = sums.setdefault((level, truncate(code, level), *key), Counter())
                for column, n in counts.items():
                    if n:
                        total[column] += n
                    else:
                        total.setdefault(column, 0)

    def write(self) -> None:
        q = connection.ops.quote_name
        for model, sums in self.counts.items():
            if not sums:
                continue
            columns = sorted({c for counts in sums.values() for c in counts})
            table = q(model._meta.db_table)
            names = ["level", "region_code", *self.keys[model], *columns]
            conflict = ", ".join(q(c) for c in ["level", "region_code", *self.keys[model]])
            updates = ", ".join(f"{q(c)} = {table}.{q(c)} + EXCLUDED.{q(c)}" for c in columns)
            values_run(
                f"INSERT INTO {table} ({', '.join(q(c) for c in names)}) VALUES",
                [
                    [*map(_param, key), *(counts[c] for c in columns)]
                    for key, counts in sorted(sums.items())
                ],
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
            )
        values_run(
            f"INSERT INTO {q(StayMark._meta.db_table)} (stay_id, dispute_id, due_day, "
            f"{q('state')}) VALUES",
            [
                (stay.pk, dispute.pk, _param(due), state)
                for stay, dispute, due, state in self.marks.values()
            ],
        )


def rollup_replay() -> RollupReplay:
    return RollupReplay()
