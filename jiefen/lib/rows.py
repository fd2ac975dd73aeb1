"""Many new rows of one model in one prepared statement, for the writes that put down a whole
chunk at once (an import's replayed chunk, its audit records and search words).

Django's bulk_create compiles every value of every row through the SQL compiler (about 10 µs a
value) and, on SQLite, splits the rows into statements of at most 999 parameters; for the
thousands of rows of a chunk that is most of its time. Here the statement is prepared once and
run for every row (executemany), and each value is converted only where its field needs it
(dates, JSON, sealed text, decimals): what bulk_create would send, without the compilation.

The ids, when asked for, are reserved first and set on the objects, so that rows referring to
them (a dispute's events, a stay's mark) can be written next: on PostgreSQL from the table's
sequence; on SQLite the next ones after the table's AUTOINCREMENT counter, which no other writer
can move while this transaction holds the database's single write lock (transactions begin
IMMEDIATE here: jiefen.settings). Other databases go through bulk_create.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models.expressions import DatabaseDefault

# Fields whose value goes to the driver as it is when it is a plain str, int, bool or None.
_PLAIN = {
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.ForeignKey,
    models.IntegerField,
    models.OneToOneField,
    models.PositiveBigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
}
_AS_IS = (str, int, bool, type(None))


def _converter(field: models.Field) -> Callable[[Any], Any]:
    def prepared(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    if type(field) in _PLAIN:

        def plain(value: Any) -> Any:
            return value if type(value) in _AS_IS else prepared(value)

        return plain
    return prepared


def rows_insert(model: type[models.Model], objs: Sequence[models.Model], *, ids: bool = False):
    """INSERT the rows of `objs` (new objects of `model`), inside the caller's transaction. Like
    bulk_create, no save() and no signals: the caller records them. With `ids`, each object gets
    its id."""
    if not objs:
        return
    if connection.vendor not in ("sqlite", "postgresql"):
        model._default_manager.bulk_create(objs)  # audit-exempt: the caller records them
        return
    meta = model._meta
    auto = meta.auto_field  # the id the database gives (None: a key the rows carry)
    fields = [f for f in meta.concrete_fields if f is not auto]
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    rows = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
        for field in stamped:
            field.pre_save(obj, True)
        rows.append([getattr(obj, f.attname) for f in fields])
    if any(isinstance(value, DatabaseDefault) for row in rows for value in row):
        model._default_manager.bulk_create(objs)  # audit-exempt: the caller records them
        return
    if ids:
        assert auto is not None
        fields = [auto, *fields]
        for obj, row, pk in zip(objs, rows, _ids_reserved(model, len(objs)), strict=True):
            setattr(obj, auto.attname, pk)
            row.insert(0, pk)
    convert = [_converter(f) for f in fields]
    q = connection.ops.quote_name
    into = f"{q(meta.db_table)} ({', '.join(q(f.column) for f in fields)})"
    prepared = [[c(v) for c, v in zip(convert, row, strict=True)] for row in rows]
    if connection.vendor == "postgresql" and len(prepared) >= COPY_ROWS:
        _copied(into, prepared)
    else:
        values_run(f"INSERT INTO {into} VALUES", prepared)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _ids_reserved(model: type[models.Model], count: int) -> list[int]:
    meta = model._meta
    assert meta.pk is not None
    table, column = meta.db_table, meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if not connection.in_atomic_block:
            raise RuntimeError("ids are reserved inside the transaction that writes them")
        q = connection.ops.quote_name
        cursor.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"COALESCE((SELECT MAX({q(column)}) FROM {q(table)}), 0))",
            [table],
        )
        last = cursor.fetchone()[0]
    return list(range(last + 1, last + count + 1))


# Parameters of one statement on PostgreSQL (its protocol allows 65,535).
MAX_PARAMS = 30_000

# From this many rows PostgreSQL gets them by COPY: a statement of thousands of parameters costs
# the driver more to compose (it parses the whole text for each) than the server to run, while
# COPY sends each row as it is adapted. Fewer rows (a service's few audit records) go in one
# INSERT, counted like any statement.
COPY_ROWS = 20


def _copied(into: str, rows: Sequence[Sequence[Any]]) -> None:
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {into} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def values_run(head: str, rows: Sequence[Sequence[Any]], tail: str = "") -> None:
    """Run `head` VALUES (…), (…) `tail` for every row: on PostgreSQL as few statements of many
    rows as its parameter limit allows (one round trip and one plan each); on SQLite, in the
    process, one statement when the rows fit in its 999 parameters (a service's few audit
    records), else one prepared statement run for each row (executemany), which costs no more."""
    if not rows:
        return
    width = len(rows[0])
    one = "(" + ", ".join(["%s"] * width) + ")"
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            if len(rows) * width <= (connection.features.max_query_params or 999):
                cursor.execute(
                    f"{head} {', '.join([one] * len(rows))} {tail}",
                    [value for row in rows for value in row],
                )
            else:
                cursor.executemany(f"{head} {one} {tail}", rows)
            return
        per = max(1, MAX_PARAMS // width)
        for start in range(0, len(rows), per):
            part = rows[start : start + per]
            cursor.execute(
                f"{head} {', '.join([one] * len(part))} {tail}",
                [value for row in part for value in row],
            )
