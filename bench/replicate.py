"""Copy generated disputes into the other villages of their town, in SQL (PostgreSQL).

Generating a dispute plays every move in Python, about 3,000 a second on two cores, so 10 M
disputes would take most of an hour before anything is measured. bench/metrics_bench.py with
--copies N generates a share and copies it N times here, in minutes:

- copy k moves every dispute of the village at position i of its town (villages in code order)
  to the village at position i + k, with that village's group as the holding body and its clerk
  and head as the actors; a town with a single village keeps its disputes where they are;
- the town centre, county meeting, departments, dates, deadlines, outcomes, ratings, texts and
  the encrypted party data stay as they were; ids are new and each copy's numbers follow on
  from the town's yearly counter (the counters are moved on to match);
- parties, sessions, agreements, events and level stays are copied with their dispute, event
  parameters pointing at a session or a village group are moved with it.

The rollups are not copied: the benchmark rebuilds them from the events, and every dashboard
figure is then asserted equal to the raw aggregate over the copied tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.db import connection, transaction

from jiefen.demo.synthetic import (
    COLUMNS,
    TABLES,
    _load_world,
    _loading,
    _reset_sequences,
    check_columns,
)
from jiefen.disputes.models import Agreement, Dispute, Event, LevelStay, Party, Session
from jiefen.regions.models import Level, code_span

# Expressions for the columns that change in a copy; every other column is copied as it is.
# {off} is the table's id offset, {disputes} the dispute table's, {sessions} the session table's.
_MOVED = "COALESCE({alias}.dst, {column})"
CHANGED: dict[type, dict[str, str]] = {
    Dispute: {
        "number": "regexp_replace(t.number, '[0-9]+$', '') || lpad("
        "(substring(t.number from '[0-9]+$')::bigint + {k} * n.last)::text, 6, '0')",
        "region_id": "COALESCE(v.dst_code, t.region_id)",
        "region_code": "COALESCE(v.dst_code, t.region_code)",
        "holder_id": _MOVED.format(alias="h", column="t.holder_id"),
        "transfer_to_id": _MOVED.format(alias="tt", column="t.transfer_to_id"),
        "owner_id": _MOVED.format(alias="o", column="t.owner_id"),
        "registered_by_id": _MOVED.format(alias="rb", column="t.registered_by_id"),
    },
    LevelStay: {
        "body_id": _MOVED.format(alias="b", column="t.body_id"),
        "region_code": "COALESCE(b.dst_code, t.region_code)",
    },
    Session: {"recorded_by_id": _MOVED.format(alias="u", column="t.recorded_by_id")},
    Event: {
        "actor_id": _MOVED.format(alias="u", column="t.actor_id"),
        "body_id": _MOVED.format(alias="b", column="t.body_id"),
        "params": "CASE WHEN t.params ?| array['session', 'to_body', 'from_body'] THEN "
        "t.params || jsonb_strip_nulls(jsonb_build_object("
        "'session', (t.params ->> 'session')::bigint + {sessions}, "
        "'to_body', (SELECT dst FROM rep_body x WHERE x.k = {k} "
        "AND x.src = (t.params ->> 'to_body')::bigint), "
        "'from_body', (SELECT dst FROM rep_body x WHERE x.k = {k} "
        "AND x.src = (t.params ->> 'from_body')::bigint))) ELSE t.params END",
    },
}
JOINS: dict[type, str] = {
    Dispute: (
        " JOIN disputes_numbercounter n ON n.prefix = regexp_replace(t.number, '-[0-9]+$', '')"
        " LEFT JOIN rep_body v ON v.k = {k} AND v.src_code = t.region_code"
        " LEFT JOIN rep_body h ON h.k = {k} AND h.src = t.holder_id"
        " LEFT JOIN rep_body tt ON tt.k = {k} AND tt.src = t.transfer_to_id"
        " LEFT JOIN rep_user o ON o.k = {k} AND o.src = t.owner_id"
        " LEFT JOIN rep_user rb ON rb.k = {k} AND rb.src = t.registered_by_id"
    ),
    LevelStay: " LEFT JOIN rep_body b ON b.k = {k} AND b.src = t.body_id",
    Session: " LEFT JOIN rep_user u ON u.k = {k} AND u.src = t.recorded_by_id",
    Event: (
        " LEFT JOIN rep_user u ON u.k = {k} AND u.src = t.actor_id"
        " LEFT JOIN rep_body b ON b.k = {k} AND b.src = t.body_id"
    ),
    Party: "",
    Agreement: "",
}


def disputes_replicate(copies: int, progress: Callable[[str], None] = print) -> dict[str, int]:
    """Copy every dispute in the database `copies` times, as the module says, in one
    transaction. Returns the rows written per table."""
    if connection.vendor != "postgresql":
        raise RuntimeError("copying disputes in SQL needs PostgreSQL")
    check_columns()
    world = _load_world(None)
    towns: dict[int, list] = defaultdict(list)
    for village in world.villages:  # in code order
        towns[code_span(village.code, Level.TOWN)[0]].append(village)
    bodies, users = [], []
    for k in range(1, copies + 1):
        moved_users: dict[int, int] = {}
        for villages in towns.values():
            for i, village in enumerate(villages):
                target = villages[(i + k) % len(villages)]
                if target is village:
                    continue
                bodies.append((k, village.body, target.body, village.code, target.code))
                for src, dst in zip(
                    world.staff[village.body], world.staff[target.body], strict=True
                ):
                    moved_users.setdefault(src, dst)
        users.extend((k, src, dst) for src, dst in moved_users.items())

    quote = connection.ops.quote_name
    written: dict[str, int] = defaultdict(int)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # The copies refer only to rows that exist: no foreign-key trigger per row.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "CREATE TEMP TABLE rep_body (k int, src bigint, dst bigint, src_code bigint,"
            " dst_code bigint) ON COMMIT DROP"
        )
        cursor.execute("CREATE TEMP TABLE rep_user (k int, src bigint, dst bigint) ON COMMIT DROP")
        for table, rows in (("rep_body", bodies), ("rep_user", users)):
            with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.execute("CREATE INDEX ON rep_body (k, src)")
        cursor.execute("CREATE INDEX ON rep_body (k, src_code)")
        cursor.execute("CREATE INDEX ON rep_user (k, src)")
        cursor.execute("ANALYZE rep_body")
        cursor.execute("ANALYZE rep_user")
        top = {}
        for model in TABLES:
            cursor.execute(f"SELECT COALESCE(max(id), 0) FROM {quote(model._meta.db_table)}")
            top[model] = cursor.fetchone()[0]
        progress(f"copying: {len(bodies):,} village moves")
        with _loading(fresh=True):  # the secondary indexes dropped, and built again at the end
            for k in range(1, copies + 1):
                for model in TABLES:
                    cursor.execute(_copy_sql(model, k, top))
                    written[model._meta.model_name or ""] += cursor.rowcount
                progress(f"  copy {k} of {copies}: {dict(written)}")
            cursor.execute(f"UPDATE disputes_numbercounter SET last = last * {copies + 1}")
    _reset_sequences()
    return dict(written)


def _copy_sql(model: type, k: int, top: dict[type, int]) -> str:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    offsets = {
        "k": k,
        "sessions": k * top[Session],
    }
    changed = CHANGED.get(model, {})
    select = []
    for name in COLUMNS[model]:
        if name == "id":
            select.append(f"t.id + {k * top[model]}")
        elif name == "dispute_id":
            select.append(f"t.dispute_id + {k * top[Dispute]}")
        elif name in changed:
            select.append(changed[name].format(**offsets))
        else:
            select.append(f"t.{quote(column_of[name])}")
    columns = ", ".join(quote(column_of[name]) for name in COLUMNS[model])
    return (
        f"INSERT INTO {table} ({columns}) SELECT {', '.join(select)} FROM {table} t"
        f"{JOINS[model].format(**offsets)} WHERE t.id <= {top[model]}"
    )
