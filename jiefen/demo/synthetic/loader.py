"""The entry points, disputes_generate and demo_disputes, and the bulk loading behind them:
the disputes planned day by day (_Plan), played in a child process while this one writes,
batch by batch, with executemany on SQLite and COPY on PostgreSQL, the secondary indexes
dropped while loading into empty tables and built again at the end."""

from __future__ import annotations

import bisect
import contextlib
import json
import marshal
import multiprocessing
import random
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from jiefen.demo.synthetic.case import (
    COLUMNS,
    EVENT,
    PARTY,
    TABLES,
    Batch,
    _Adapt,
    _Rows,
    check_columns,
)
from jiefen.demo.synthetic.story import _day_weights, _Story, office_time
from jiefen.demo.synthetic.vocabulary import STORIES, _accumulate, _int
from jiefen.demo.synthetic.world import _load_world, _World
from jiefen.disputes.models import OPEN_STATUSES, Dispute, NumberCounter, Status
from jiefen.disputes.reads import disputes_exist
from jiefen.lib.sealed import digest
from jiefen.org.models import Body, BodyKind
from jiefen.regions.models import Region

BATCH = 10_000  # disputes per transaction: about 140,000 rows
DEMO_COUNT = 100_000
DEMO_SEED = 2026

Progress = Callable[[int, int], None]


def _json_encoder() -> Callable[[Any], str]:
    """json.dumps with its default options, as JSONField writes, without building a new
    encoder for each of the million calls."""
    from json import encoder as std

    make = getattr(std, "c_make_encoder", None)
    if make is None:
        return json.dumps

    def default(value: Any) -> Any:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    # The arguments of json.JSONEncoder.iterencode for dumps' defaults, minus the cycle check.
    encode = make(None, default, std.encode_basestring_ascii, None, ": ", ", ", False, False, True)
    return lambda value: "".join(encode(value, 0))


_to_json = _json_encoder()


# --- writing ------------------------------------------------------------------------------------


def _insert(model: type[models.Model], rows: list[tuple]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    columns = ", ".join(quote(column_of[name]) for name in COLUMNS[model])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(COLUMNS[model]))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def _converted(batch: Batch, adapt: _Adapt) -> list[list[tuple]]:
    """A batch's rows as the database takes them, in TABLES order.

    Phone and ID numbers are encrypted and event parameters turned into JSON only here: in
    parallel mode that is the writing process's work, which would otherwise wait.
    """
    tables = batch[0]
    phone, ident = adapt.encrypt_phone, adapt.encrypt_id
    to_json = _to_json
    converted = list(tables)
    converted[PARTY] = [
        (*r[:5], phone(r[5]), ident(r[6]), *r[7:], digest(r[5]), digest(r[6]))
        for r in tables[PARTY]
    ]
    converted[EVENT] = [(*r[:9], to_json(r[9]), r[10]) for r in tables[EVENT]]
    return converted


def _store(tables: list[list[tuple]], counters: dict[str, int]) -> None:
    """Insert converted rows and move the number counters on, in the caller's transaction."""
    for model, rows in zip(TABLES, tables, strict=True):
        _insert(model, rows)
    if counters:
        NumberCounter.objects.bulk_create(
            [NumberCounter(prefix=key, last=last) for key, last in sorted(counters.items())],
            update_conflicts=True,
            unique_fields=["prefix"],
            update_fields=["last"],
        )


def _write(batch: Batch, adapt: _Adapt) -> None:
    """Write one batch of rows, with the number counters it moved on, in one transaction."""
    tables = _converted(batch, adapt)
    with transaction.atomic():
        _store(tables, batch[1])


@contextlib.contextmanager
def _loading(fresh: bool) -> Iterator[None]:
    """Into empty tables (or for a bulk copy), everything goes in one transaction, with the
    secondary indexes dropped while loading and built again at the end: several times faster
    than keeping seventeen indexes of the dispute table up to date row by row. Should anything
    fail, the transaction takes the drop back with it. Otherwise each batch commits on its own."""
    indexes = _secondary_indexes() if fresh else []
    if not indexes:
        yield
        return
    quote = connection.ops.quote_name
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Check foreign keys row by row rather than queue millions of checks.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
        yield
        with connection.cursor() as cursor:
            for _name, sql in indexes:
                cursor.execute(sql)


def _secondary_indexes() -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the non-unique indexes of the generated tables, as
    the database itself describes them."""
    found = []
    with connection.cursor() as cursor:
        for model in TABLES:
            table = model._meta.db_table
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                    " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
                    [table],
                )
            elif connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                    " JOIN pg_class c ON c.oid = i.indexrelid"
                    " WHERE i.indrelid = %s::regclass AND NOT i.indisunique"
                    " AND NOT i.indisprimary ORDER BY c.relname",
                    [connection.ops.quote_name(table)],
                )
            else:
                return []
            found.extend(cursor.fetchall())
    return found


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(TABLES))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --- the entry points ---------------------------------------------------------------------------


def disputes_generate(
    *,
    count: int,
    seed: int,
    start: date,
    end: date,
    within: Region | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    parallel: bool | None = None,
    batch: int = BATCH,
) -> dict[str, Any]:
    """Create `count` disputes registered between `start` and `end` in the villages (with a
    village group) in `within`, or everywhere, played up to `now` (default: the present, or
    the end of `end` if that is earlier). Returns counts of the rows written.

    `parallel` (default: for more than one batch, where processes can fork) plays the
    disputes in a child process while this one writes, which nearly halves the time on two
    cores; the child never touches the database. The rows are the same either way.
    """
    began = time.perf_counter()
    if count < 0 or end < start:
        raise ValueError("count must be ≥ 0 and end no earlier than start")
    zone = timezone.get_default_timezone()
    if now is None:
        now = min(timezone.now(), datetime.combine(end, datetime.max.time(), zone))
    local_now = timezone.localtime(now, zone).replace(tzinfo=None, microsecond=0)
    check_columns()
    world = _load_world(within)
    if not world.villages:
        raise LookupError("no village group in the chosen regions")
    world.prepare()
    rows = _Rows(_Adapt(start, end), batch)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB for the index pages
    if parallel is None:
        parallel = count > batch and "fork" in multiprocessing.get_all_start_methods()
    plan = _Plan(world, rows, count, seed, start, end, local_now)

    totals: Counter[str] = Counter()
    done = 0
    fresh = all(pk == 1 for pk in rows.next_id.values())
    with _loading(fresh):
        for tables, counters, statuses in _batches(plan, parallel):
            if not tables[0]:
                continue
            _write((tables, counters, statuses), rows.adapt)
            for model, rows_written in zip(TABLES, tables, strict=True):
                totals[model._meta.model_name or ""] += len(rows_written)
            totals.update(statuses)
            done += len(tables[0])
            if progress:
                progress(done, count)
    _reset_sequences()
    return {
        "disputes": totals["dispute"],
        "parties": totals["party"],
        "events": totals["event"],
        "stays": totals["levelstay"],
        "sessions": totals["session"],
        "agreements": totals["agreement"],
        "staff_added": world.staff_added,
        "by_status": {s: totals[s] for s in Status.values if totals[s]},
        "open": sum(totals[s] for s in OPEN_STATUSES),
        "seconds": round(time.perf_counter() - began, 1),
    }


@dataclass
class _Plan:
    """Everything needed to play the disputes; pure Python, no database."""

    world: _World
    rows: _Rows
    count: int
    seed: int
    start: date
    end: date
    now: datetime  # local, naive

    def batches(self) -> Iterator[Batch]:
        world, rows, now = self.world, self.rows, self.now
        today = now.date()
        keys = sorted(key for key in world.categories if key in STORIES)
        rng = random.Random(self.seed)
        # A Zipf-like spread: a few villages have many disputes, most have a few.
        ranks = list(range(len(world.villages)))
        rng.shuffle(ranks)
        village_cumulative = list(_accumulate(1 / (rank + 50) for rank in ranks))
        days, day_cumulative, day_categories = _day_weights(
            self.start, self.end, world.calendar, keys
        )
        per_day = Counter(
            bisect.bisect_right(day_cumulative, rng.random() * day_cumulative[-1])
            for _ in range(self.count)
        )
        for index, day in enumerate(days):
            weights = day_categories[index]
            todays = []
            for _ in range(per_day.get(index, 0)):
                category = keys[bisect.bisect_right(weights, rng.random() * weights[-1])]
                pick = rng.random() * village_cumulative[-1]
                village = world.villages[bisect.bisect_right(village_cumulative, pick)]
                registered = office_time(rng, day)
                if registered > now:
                    registered = now - timedelta(minutes=_int(rng, 1, 90))
                todays.append((registered, category, village.code, village, rng.getrandbits(64)))
            todays.sort(key=lambda item: item[:3])
            for registered, category, _code, village, own_seed in todays:
                own = random.Random(own_seed)
                _Story(world, rows, own, village, category, registered, now).play(today)
                if len(rows.rows[Dispute]) >= rows.batch:
                    yield rows.take()
        yield rows.take()


def _batches(plan: _Plan, parallel: bool) -> Iterator[Batch]:
    if not parallel:
        yield from plan.batches()
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_play_into, args=(plan, sender), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload = marshal.loads(receiver.recv_bytes())
            except EOFError:
                raise RuntimeError("the process playing the disputes ended unexpectedly") from None
            if kind == "done":
                break
            if kind == "error":
                raise RuntimeError(f"the process playing the disputes failed:\n{payload}")
            yield payload
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        receiver.close()


def _play_into(plan: _Plan, sender: Any) -> None:
    """The child: play and send batch after batch; the pipe's buffer keeps it one ahead."""
    try:
        for batch in plan.batches():
            sender.send_bytes(marshal.dumps(("batch", batch)))
        sender.send_bytes(marshal.dumps(("done", None)))
    except BaseException:
        sender.send_bytes(marshal.dumps(("error", traceback.format_exc())))
    finally:
        sender.close()


def years_back(day: date, years: int) -> date:
    """The same day `years` years earlier (28 February for 29 February), plus one day."""
    try:
        earlier = day.replace(year=day.year - years)
    except ValueError:
        earlier = day.replace(year=day.year - years, day=28)
    return earlier + timedelta(days=1)


def demo_disputes(
    count: int = DEMO_COUNT, seed: int = DEMO_SEED, progress: Progress | None = None
) -> dict[str, Any] | None:
    """The demo's disputes: `count` over the last two years, once. Returns None, and writes
    nothing, when there are disputes already or no village group to register them at."""
    if count <= 0 or disputes_exist():
        return None
    if not Body.objects.filter(kind=BodyKind.VILLAGE_GROUP, active=True).exists():
        return None
    from jiefen.demo.agreements import agreement_items_fill

    today = timezone.localdate()
    result = disputes_generate(
        count=count, seed=seed, start=years_back(today, 2), end=today, progress=progress
    )
    result["agreement_items"] = agreement_items_fill()
    return result
