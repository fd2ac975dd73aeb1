"""The demo's disputes loaded in the background while the site already serves.

`load_plan()` (fast: one row) fixes what will be loaded — count, seed, period, the moment the
disputes are played up to, the number counters and the first dispute id — and reserves the
disputes' ids, so that a dispute registered on a page meanwhile is numbered after them.
`load_run()` then plays the plan (the same synthetic generator as `jiefen seed`) and writes it
in short committed batches of `batch` disputes, each batch in one transaction with its rollups
and agreement items, then indexes it for the search in transactions of INDEX disputes.
The site keeps working meanwhile: SQLite has one writer at a time, and no transaction here
holds the write lock for more than a fraction of a second (rows are converted and encrypted
before it begins).

While the load runs, the sweep and people write too: the rows of every table but the
disputes get their ids at write time, after the highest id in the table, and a batch's case
numbers move up past any number a registration took meanwhile. Interrupted, the load resumes
where it stopped: the plan is the same, so it plays the same disputes again and writes those
after the last committed batch. The progress is kept in the row and, for the banner on every
page, in a small file (`JIEFEN_DEMO_PROGRESS`), so that showing it costs no query.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, models, transaction
from django.db.models import F
from django.utils import timezone

from jiefen.demo.agreements import agreement_items_fill
from jiefen.demo.models import DemoLoad
from jiefen.demo.synthetic.case import EVENT, TABLES, _Adapt, _Rows, check_columns
from jiefen.demo.synthetic.loader import (
    DEMO_COUNT,
    DEMO_SEED,
    _batches,
    _converted,
    _Plan,
    _reset_sequences,
    _store,
    _to_json,
    years_back,
)
from jiefen.demo.synthetic.world import _load_world
from jiefen.disputes.models import Dispute, NumberCounter, Session
from jiefen.disputes.reads import dispute_latest_id, disputes_exist
from jiefen.metrics.rollups import rollups_add
from jiefen.org.models import Body, BodyKind
from jiefen.search.index import index_range

BATCH = 500  # disputes per transaction: about 7,000 rows, a few tenths of a second
INDEX = 250  # disputes per transaction of the search index
TRIES = 5  # a batch whose transaction fails on a lock is tried again

Progress = Callable[[int, int], None]


# --- the banner's file --------------------------------------------------------------------------


def progress_path() -> Path:
    return Path(getattr(settings, "JIEFEN_DEMO_PROGRESS", settings.VAR_DIR / "demo-progress.json"))


def _database() -> str:
    return str(connection.settings_dict.get("NAME") or "")


def progress_write(load: DemoLoad) -> None:
    """What the banner shows, written atomically; removed once the load is complete."""
    path = progress_path()
    if load.finished_at is not None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    text = json.dumps({"database": _database(), "done": load.written, "total": load.count})
    spare = path.with_name(path.name + ".new")
    spare.write_text(text, encoding="utf-8")
    os.replace(spare, path)


def progress_read() -> tuple[int, int] | None:
    """(written, planned) while this database's demo is loading, else None; reads a small file,
    never the database."""
    try:
        found = json.loads(progress_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, OSError):
        return None
    if not isinstance(found, dict) or found.get("database") != _database():
        return None
    try:
        return int(found["done"]), int(found["total"])
    except (KeyError, TypeError, ValueError):
        return None


# --- the plan -----------------------------------------------------------------------------------


def _reserve_disputes(last: int) -> None:
    """Move the dispute ids' sequence on to `last`: what a registration takes comes after."""
    table = Dispute._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s", [last, table]
            )
            if not cursor.rowcount:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last]
                )
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, last])


def load_plan(
    count: int = DEMO_COUNT,
    seed: int = DEMO_SEED,
    batch: int = BATCH,
    now: datetime | None = None,
) -> DemoLoad | None:
    """The plan of the demo's disputes, made once: two years of them up to `now` (default:
    this moment). None when there is nothing to load: no disputes asked for, disputes there
    already (from elsewhere), or no village group."""
    found = DemoLoad.objects.first()
    if found is not None:
        return found
    if count <= 0 or disputes_exist():
        return None
    if not Body.objects.filter(kind=BodyKind.VILLAGE_GROUP, active=True).exists():
        return None
    check_columns()
    now = (now or timezone.now()).replace(microsecond=0)
    today = timezone.localdate(now)
    with transaction.atomic():
        first = dispute_latest_id() + 1
        load = DemoLoad.objects.create(
            count=count,
            seed=seed,
            batch=batch,
            start=years_back(today, 2),
            end=today,
            played_until=now,
            first_dispute=first,
            counters=dict(NumberCounter.objects.values_list("prefix", "last")),
        )
        _reserve_disputes(first + count - 1)
    progress_write(load)
    return load


# --- writing a batch ----------------------------------------------------------------------------


def _sequence(cursor: Any, model: type[models.Model]) -> str:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
    return str(cursor.fetchone()[0])


def _next_free(cursor: Any, model: type[models.Model]) -> int:
    """The first id after every row of the table and every id its sequence handed out."""
    table = model._meta.db_table
    cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
    top = cursor.fetchone()[0] or 0
    if connection.vendor == "sqlite":
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        top = max(top, row[0] if row else 0)
    elif connection.vendor == "postgresql":
        cursor.execute(f"SELECT last_value, is_called FROM {_sequence(cursor, model)}")
        last, called = cursor.fetchone()
        top = max(top, last if called else last - 1)
    return int(top) + 1


def _moved(tables: list[list[tuple]], counters: dict[str, int]) -> tuple[list, dict[str, int]]:
    """The batch's rows with ids after what others wrote meanwhile, and case numbers after
    those registrations took meanwhile (in the caller's transaction, which holds the lock)."""
    moved = list(tables)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Inserts into these tables wait for this short transaction; the counters first, as
            # a registration takes its counter before it writes the rest.
            names = [NumberCounter._meta.db_table] + [m._meta.db_table for m in TABLES[1:]]
            cursor.execute(
                "LOCK TABLE "
                + ", ".join(map(connection.ops.quote_name, names))
                + " IN EXCLUSIVE MODE"
            )
        offsets = {}
        for index, model in enumerate(TABLES):
            rows = tables[index]
            if model is Dispute or not rows:
                continue
            offset = offsets[model] = _next_free(cursor, model) - rows[0][0]
            if offset > 0:
                moved[index] = [(r[0] + offset, *r[1:]) for r in rows]
    sessions = offsets.get(Session, 0)
    if sessions > 0:
        # A session's event names the session it recorded.
        moved[EVENT] = [_session_moved(row, sessions) for row in moved[EVENT]]
    taken = dict(
        NumberCounter.objects.filter(prefix__in=list(counters)).values_list("prefix", "last")
    )
    first: dict[str, int] = {}
    for row in tables[0]:
        key, _sep, number = row[1].rpartition("-")
        first[key] = min(first.get(key, 10**9), int(number))
    shift = {key: taken[key] - (first[key] - 1) for key in first if taken.get(key, 0) >= first[key]}
    if shift:
        disputes = []
        for row in moved[0]:
            key, _sep, number = row[1].rpartition("-")
            if key in shift:
                row = (row[0], f"{key}-{int(number) + shift[key]:06d}", *row[2:])
            disputes.append(row)
        moved[0] = disputes
        counters = {key: last + shift.get(key, 0) for key, last in counters.items()}
    return moved, counters


def _session_moved(row: tuple, offset: int) -> tuple:
    if row[4] != "session":
        return row
    params = json.loads(row[9])
    if "session" not in params:
        return row
    params["session"] += offset
    return (*row[:9], _to_json(params), *row[10:])


def _after_write(cursor: Any) -> None:
    """On PostgreSQL explicit ids leave the sequences behind: move them on (under the lock)."""
    if connection.vendor != "postgresql":
        return
    for model in TABLES[1:]:
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(
            f"SELECT setval(%s, (SELECT MAX(id) FROM {table}))"
            f" WHERE EXISTS (SELECT 1 FROM {table})",
            [_sequence(cursor, model)],
        )


def _tried(work: Callable[[], object]) -> None:
    """Run `work` (one transaction); again, after a pause, if it failed on a lock."""
    for attempt in range(TRIES):
        try:
            work()
            return
        except OperationalError:
            if attempt == TRIES - 1:
                raise
            time.sleep(0.5 * (attempt + 1))


def _index(load: DemoLoad) -> None:
    """Index what is written but not yet indexed, INDEX disputes per transaction, each
    moving the row's mark on with it."""

    def committing(last: int) -> None:
        load.indexed = last - load.first_dispute + 1
        DemoLoad.objects.filter(pk=load.pk).update(
            indexed=load.indexed
        )  # audit-exempt: demo progress

    while load.indexed < load.written:
        first = load.first_dispute + load.indexed
        last = load.first_dispute + load.written - 1
        _tried(lambda: index_range(first, last, batch=INDEX, committing=committing))  # noqa: B023


def load_run(*, progress: Progress | None = None, parallel: bool | None = None) -> DemoLoad | None:
    """Load the planned disputes, resuming after the last committed batch; returns the row
    (None without a plan). Safe to run again: a complete load does nothing."""
    load = DemoLoad.objects.first()
    if load is None or load.finished_at is not None:
        return load
    check_columns()
    _index(load)
    if load.written < load.count:
        world = _load_world(None)
        world.prepare()
        adapt = _Adapt(load.start, load.end)
        rows = _Rows(adapt, load.batch)
        rows.next_id[Dispute] = load.first_dispute
        rows.counters = {str(k): int(v) for k, v in load.counters.items()}
        until = timezone.localtime(load.played_until, timezone.get_default_timezone())
        plan = _Plan(
            world, rows, load.count, load.seed, load.start, load.end, until.replace(tzinfo=None)
        )
        if parallel is None:
            parallel = "fork" in multiprocessing.get_all_start_methods()
        skip = load.written // load.batch
        seen = 0
        for batch in _batches(plan, parallel):
            if not batch[0][0]:
                continue
            seen += 1
            if seen <= skip:
                continue
            tables = _converted(batch, adapt)
            first, last = tables[0][0][0], tables[0][-1][0]
            written = len(tables[0])

            def work(
                tables: list = tables,
                counters: dict = batch[1],
                first: int = first,
                last: int = last,
                written: int = written,
            ) -> None:
                with transaction.atomic():
                    moved, moved_counters = _moved(tables, counters)
                    _store(moved, moved_counters)
                    with connection.cursor() as cursor:
                        _after_write(cursor)
                    rollups_add(first, last)
                    agreement_items_fill((first, last))
                    DemoLoad.objects.filter(pk=load.pk).update(  # audit-exempt: demo progress
                        written=F("written") + written
                    )

            _tried(work)
            load.written += written
            progress_write(load)
            _index(load)
            if progress is not None:
                progress(load.written, load.count)
    _finish(load)
    return load


def _finish(load: DemoLoad) -> None:
    from jiefen.metrics.warning_reports import warning_reports_due

    _reset_sequences()
    with transaction.atomic():
        load.finished_at = timezone.now()
        DemoLoad.objects.filter(pk=load.pk).update(
            finished_at=load.finished_at
        )  # audit-exempt: demo progress
        # The early warnings of the regions that gained disputes are due again.
        warning_reports_due(today=timezone.localdate())
    progress_write(load)


def load_seconds(load: DemoLoad) -> float:
    end = load.finished_at or timezone.now()
    return (end - load.began_at).total_seconds()
