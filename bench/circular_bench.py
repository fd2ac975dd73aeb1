"""How long a county's monthly circular takes to generate, with a county's worth of disputes.

Builds the demo foundation (Shaoxing's divisions, bodies, accounts) and N synthetic disputes
in one county (诸暨市, 330681, by default) with jiefen.demo.synthetic, rebuilds the rollups
(or reuses all of it: the disputes already in the database count), then times, median and
95th percentile in milliseconds, with the number of SQL queries:

- the figures of the county's circular for the last ended month (rollups, transfers, the
  longest-open disputes);
- the Word and Excel files with the chart, from those figures;
- the whole generation through the service (figures, files, the frozen row), the row deleted
  again after each run;
- the same for the half-monthly circular of the county's busiest town, and the agenda of the
  county's monthly joint meeting, for comparison.

    .venv/bin/python bench/circular_bench.py          # SQLite, var/circular_bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/circ .venv/bin/python bench/circular_bench.py
    .venv/bin/python bench/circular_bench.py --disputes 100000 --years 2 --repeat 10
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
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'circular_bench.sqlite3'}")

ZHUJI = 330681000000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--disputes", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=2, help="registration period, to today")
    parser.add_argument("--county", type=int, default=ZHUJI, help="12-digit county code")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    _ensure_postgres_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    _seed(args)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
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
    from jiefen.metrics.models import Tally
    from jiefen.metrics.rollups import rollups_rebuild
    from jiefen.regions.models import Region

    demo_load_foundation()
    county = Region.objects.get(code=args.county)
    have = Dispute.objects.filter(region_code__range=county.span).count()
    if have < args.disputes:
        missing = args.disputes - have
        print(f"generating {missing:,} disputes in {county.name} over {args.years} years …")
        began = time.perf_counter()
        result = disputes_generate(
            count=missing,
            seed=args.seed + have,
            start=years_back(timezone.localdate(), args.years),
            end=timezone.localdate(),
            within=county,
        )
        seconds = time.perf_counter() - began
        print(
            f"generated {result['disputes']:,} disputes, {result['events']:,} events "
            f"in {seconds:,.0f} s"
        )
        Tally.objects.all().delete()  # the rollups no longer match: rebuilt below
    else:
        print(f"reusing {have:,} disputes in {county.name}")
    if not Tally.objects.exists():
        began = time.perf_counter()
        written = rollups_rebuild()
        print(f"rebuilt the rollups ({sum(written.values()):,} rows) in "
              f"{time.perf_counter() - began:,.1f} s")  # fmt: skip


def _timed(call: Callable[[], object], repeat: int) -> list[float]:
    call()  # warm the caches (calendar, rules, fonts), as a running server would have them
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return times


def _queries(call: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def _measure(args: argparse.Namespace) -> list[tuple[str, list[float], int]]:
    from django.db import transaction
    from django.utils import timezone

    from jiefen.accounts.models import User
    from jiefen.disputes.models import Dispute
    from jiefen.meetings.agenda import agenda_build
    from jiefen.meetings.circulars import (
        KIND_OF_BODY,
        circular_figures,
        circular_files,
        circular_generate,
    )
    from jiefen.meetings.models import Circular, Meeting
    from jiefen.metrics.periods import Period
    from jiefen.org.models import Body, BodyKind
    from jiefen.regions.models import Level, Region

    now = timezone.now()
    today = timezone.localdate(now)
    county = Region.objects.get(code=args.county)
    county_body = Body.objects.get(region=county, kind=BodyKind.COUNTY_MEETING)
    towns = Region.objects.filter(parent=county, level=Level.TOWN)
    busiest = max(towns, key=lambda t: Dispute.objects.filter(region_code__range=t.span).count())
    town_body = Body.objects.get(region=busiest, kind=BodyKind.TOWN_CENTRE)
    actor = User.objects.filter(is_superuser=True).first() or User.objects.get(username="admin")
    rows: list[tuple[str, list[float], int]] = []
    in_county = Dispute.objects.filter(region_code__range=county.span).count()
    print(f"{county.name}: {in_county:,} disputes; busiest town {busiest.name}")

    for body, label in ((county_body, "county monthly"), (town_body, "town half-monthly")):
        period = Period.containing(KIND_OF_BODY[BodyKind(body.kind)], today).previous()
        figures = circular_figures(body, period, today)
        figures |= {
            "number": {"year": period.start.year, "seq": 1},
            "generated_at": now.isoformat(),
        }
        print(f"{label} {period.label()}: received {figures['totals']['current']['received']:,}")

        def figures_only(body: Any = body, period: Any = period) -> object:
            return circular_figures(body, period, today)

        def files_only(figures: dict[str, Any] = figures) -> object:
            return circular_files(figures)

        def generate(body: Any = body, period: Any = period) -> object:
            with transaction.atomic():
                Circular.objects.filter(body=body, period_start=period.start).delete()
                circular = circular_generate(
                    actor=actor, body=body, period_start=period.start, at=now
                )
                Circular.objects.filter(pk=circular.pk).delete()
            return circular

        rows.append((f"{label} circular: figures", _timed(figures_only, args.repeat),
                     _queries(figures_only)))  # fmt: skip
        rows.append((f"{label} circular: Word + Excel + chart", _timed(files_only, args.repeat),
                     _queries(files_only)))  # fmt: skip
        rows.append((f"{label} circular: whole generation", _timed(generate, args.repeat),
                     _queries(generate)))  # fmt: skip

    month = Period.containing("month", today)
    meeting = Meeting(
        body=county_body,
        period_kind="month",
        period_start=month.start,
        period_end=month.end,
        date=month.end,
        starts_at=now.time(),
        place="",
        created_at=now,
    )

    def agenda() -> object:
        return agenda_build(meeting, now)

    rows.append(("county joint meeting: agenda", _timed(agenda, args.repeat), _queries(agenda)))
    return rows


def _report(args: argparse.Namespace, rows: list[tuple[str, list[float], int]]) -> None:
    from django.db import connection

    command = " ".join(shlex.quote(a) for a in ["python", *sys.argv])
    print()
    print(
        f"{connection.vendor} · {platform.python_version()} · {platform.machine()} · "
        f"{os.cpu_count()} CPUs · {args.disputes:,} disputes in the county"
    )
    print(f"`DATABASE_URL={connection.vendor} {command}`")
    print()
    print("| what | median ms | p95 ms | queries |")
    print("|---|---:|---:|---:|")
    for name, times, queries in rows:
        times = sorted(times)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(f"| {name} | {statistics.median(times):,.0f} | {p95:,.0f} | {queries} |")


if __name__ == "__main__":
    main()
