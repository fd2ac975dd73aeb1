"""How fast the dispute pages and registration are with a city's worth of disputes.

Builds the demo foundation (Shaoxing's divisions, bodies, accounts) and N synthetic disputes
with jiefen.demo.synthetic (or reuses them: the disputes already in the database count), then
times, with several repetitions each, median and 95th percentile in milliseconds and the number
of SQL queries per call:

- the queue of a town centre head (selectors.queue_for), for the demo town head of 枫桥镇;
- the dispute list filtered to the subtree of the busiest town: the first page, and a page
  10,000 rows deep reached by following `next_after` 200 times (keyset pagination);
- registration through services.dispute_register by the demo village clerk.

It checks that no COUNT query runs on the list path, and prints a Markdown table for the
README with the command that produced it.

    .venv/bin/python bench/disputes_bench.py                       # SQLite, var/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/disputes_bench.py
    .venv/bin/python bench/disputes_bench.py --disputes 100000 --years 2

Generation is the slow part the first time: 1,000,000 disputes took 21 minutes on SQLite and
28 on PostgreSQL on a busy two-core machine (about 2,000 a second when it is quiet); later runs
reuse the database. The PostgreSQL database is created if it does not exist. The metrics
rollups are not rebuilt here (`jiefen seed` does that); registration still folds its own event
into them, so its cost is the real one. --explain prints the plans of the two list queries.

Measured on 2026-11-29, two cores shared with other jobs (load 5–7), 1,000,000 disputes over
ten years, 7.2 million events:

| operation | SQLite median / p95 ms | PostgreSQL 15 median / p95 ms | queries |
|---|---:|---:|---:|
| queue of the 枫桥镇 centre head | 45 / 67 | 35 / 64 | 8 |
| list, first page, busiest town (25,839 disputes) | 191 / 209 | 21 / 76 | 4 |
| list, 10,050 rows deep | 117 / 136 | 21 / 29 | 4 |
| registration | 12 / 25 | 36 / 56 | 19 |

SQLite reads the whole town through index dispute_region_id and sorts it for "newest first";
PostgreSQL walks the primary key backwards and filters (about 1 ms in the database).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiefen.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")

FENGQIAO = 330681109000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--disputes", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=10, help="registration period, to today")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=30, help="repetitions per page")
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--explain", action="store_true", help="print the list queries' plans")
    args = parser.parse_args()

    _ensure_postgres_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    _seed(args)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics for the planner after the bulk load
    rows = _measure(args)
    _report(args, rows)


def _ensure_postgres_database(url: str) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    params: dict[str, Any] = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    try:
        psycopg.connect(dbname=config["NAME"], **params).close()
    except psycopg.OperationalError:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')
        print(f"created database {config['NAME']}")


def _seed(args: argparse.Namespace) -> None:
    from django.utils import timezone

    from jiefen.demo.services import demo_load_foundation
    from jiefen.demo.synthetic import disputes_generate, years_back
    from jiefen.disputes.models import Dispute

    demo_load_foundation()
    have = Dispute.objects.count()  # once, outside the measured pages: the "marker"
    if have >= args.disputes:
        print(f"reusing {have:,} disputes")
        return
    missing = args.disputes - have
    today = timezone.localdate()
    print(f"generating {missing:,} disputes over {args.years} years (seed {args.seed}) …")
    began = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done % 100_000 == 0 or done == total:
            seconds = time.perf_counter() - began
            print(f"  {done:,} / {total:,}  {seconds:,.0f} s  {done / seconds:,.0f}/s", flush=True)

    result = disputes_generate(
        count=missing,
        seed=args.seed + have,  # a different stream when topping up
        start=years_back(today, args.years),
        end=today,
        progress=progress,
    )
    seconds = time.perf_counter() - began
    print(
        f"generated {result['disputes']:,} disputes, {result['events']:,} events, "
        f"{result['parties']:,} parties, {result['stays']:,} stays in {seconds:,.0f} s "
        f"({result['disputes'] / seconds:,.0f} disputes/s)"
    )


def _timed(call: Callable[[], object], repeat: int) -> list[float]:
    call()  # warm the caches, as a running server would have them
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return times


def _queries(call: Callable[[], object]) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return [query["sql"] for query in captured.captured_queries]


def _explain(name: str, sql: str) -> None:
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
    print(f"plan of the {name} page:", *plan, sep="\n    ")


def _measure(args: argparse.Namespace) -> list[tuple[str, list[float], int]]:
    from jiefen.accounts.models import User
    from jiefen.disputes import selectors
    from jiefen.disputes.models import Category, Dispute
    from jiefen.disputes.services import DisputeInput, PartyInput, dispute_register
    from jiefen.org.models import Body, BodyKind
    from jiefen.regions.models import Level, Region

    def fresh(username: str) -> User:
        # A request loads its user anew: role and scope caches start empty each time.
        return User.objects.get(username=username)

    rows: list[tuple[str, list[float], int]] = []

    # The queue of the head of 枫桥镇's centre.
    def queue() -> dict[str, list[Dispute]]:
        return selectors.queue_for(fresh("townhead"))

    held = len(queue()["held"])
    rows.append((f"queue of a town head (枫桥镇, {held} held shown)", _timed(queue, args.repeat),
                 len(_queries(queue))))  # fmt: skip

    # The list of the busiest town, as the city evaluator sees it with a region filter.
    towns = Region.objects.filter(level=Level.TOWN)
    busiest = max(
        towns,
        key=lambda town: Dispute.objects.filter(region_code__range=town.span).count(),
    )
    in_town = Dispute.objects.filter(region_code__range=busiest.span).count()
    filters = {"region": busiest.code}
    evaluator = "evaluator"

    def first_page() -> selectors.Page:
        return selectors.dispute_list(fresh(evaluator), filters)

    page = first_page()
    depth = 0
    after = page.next_after
    for _ in range(200):
        if after is None:
            break
        page = selectors.dispute_list(fresh(evaluator), filters, after=after)
        depth += len(page.rows)
        if page.next_after is None:
            break
        after = page.next_after
    deep_after = after

    def deep_page() -> selectors.Page:
        return selectors.dispute_list(fresh(evaluator), filters, after=deep_after)

    for name, call in (("first", first_page), ("deep", deep_page)):
        sql = _queries(call)
        counting = [q for q in sql if "COUNT(" in q.upper()]
        assert not counting, f"COUNT on the list path ({name} page): {counting}"
        if args.explain:
            _explain(name, sql[-1])
    rows.append((f"list, first page ({busiest.name}, {in_town:,} disputes in the subtree)",
                 _timed(first_page, args.repeat), len(_queries(first_page))))  # fmt: skip
    rows.append((f"list, page {depth // selectors.PAGE_SIZE + 1} ({depth + 50:,} rows deep)",
                 _timed(deep_page, args.repeat), len(_queries(deep_page))))  # fmt: skip

    # Registration by the demo clerk of 枫一社区.
    clerk = fresh("clerk")
    body = Body.objects.get(kind=BodyKind.VILLAGE_GROUP, region_id=330681109008)
    category = Category.objects.get(key="neighbourhood")
    region = body.region
    n = [0]

    def register() -> object:
        n[0] += 1
        data = DisputeInput(
            body=body, category=category, channel="walk_in", region=region,
            title="相邻通行纠纷", description=f"基准测试登记第 {n[0]} 件：两户因通道砌墙发生争执。",
            people_involved=2,
            parties=[
                PartyInput(side="applicant", name="张三", phone="13812345678",
                           id_number="330681199001011237"),
                PartyInput(side="respondent", name="李四"),
            ],
        )  # fmt: skip
        return dispute_register(actor=fresh("clerk"), data=data)

    assert clerk.memberships.exists()
    register_queries = len(_queries(register))
    rows.append((f"registration (services.dispute_register, {args.registrations} calls)",
                 _timed(register, args.registrations - 2), register_queries))  # fmt: skip
    return rows


def _report(args: argparse.Namespace, rows: list[tuple[str, list[float], int]]) -> None:
    from django.db import connection

    from jiefen.disputes.models import Dispute, Event, Party

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]

    vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(connection.vendor, "?")
    if connection.vendor == "sqlite":
        import sqlite3

        version = sqlite3.sqlite_version
    else:
        version = str(getattr(connection, "pg_version", "?"))
    # Table sizes from the catalogue would be cheaper; this runs once, after the timings.
    disputes, events, parties = (m.objects.count() for m in (Dispute, Event, Party))
    command = " ".join(shlex.quote(a) for a in sys.argv)
    url = os.environ["DATABASE_URL"]
    print()
    print(f"{vendor} {version}, {disputes:,} disputes, {events:,} events, {parties:,} parties; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")  # fmt: skip
    print(f"`DATABASE_URL={url} .venv/bin/python {command}`")
    print()
    print("| operation | median ms | p95 ms | SQL queries |")
    print("|---|---:|---:|---:|")
    for name, times, queries in rows:
        print(f"| {name} | {statistics.median(times):.1f} | {p95(times):.1f} | {queries} |")
    print()
    print("No COUNT query on the list path (checked on the captured SQL).")


if __name__ == "__main__":
    main()
