"""KPI dashboards at scale: rollups against the raw aggregate, side by side, in one run.

    .venv/bin/python bench/metrics_bench.py --disputes 1000000
    .venv/bin/python bench/metrics_bench.py --disputes 10000000 --copies 9 --scope zhejiang \
        --database postgres://postgres@127.0.0.1:5432/bench_metrics10m --raw-repeat 1 --repeat 5
    .venv/bin/python bench/metrics_bench.py ... --reuse --every-region
    .venv/bin/python bench/metrics_bench.py --disputes 100000 --database sqlite:////tmp/b.db

Builds the database named by --database (default: PostgreSQL bench_metrics on 127.0.0.1;
dropped and made afresh unless --reuse), loads the real division tree (Shaoxing for --scope
shaoxing, all of Zhejiang for --scope zhejiang) with a handling body for every unit, generates
the disputes with jiefen.demo.synthetic over the last --years years (every move played as the
services play it: events, level stays, deadlines) — with --copies N, 1/(N+1) of them, copied
N times into the other villages of each town by bench/replicate.py — rebuilds the rollups,
and measures:

- the figures of a dashboard (indicators.Sums) for the province, a city, a town and a village
  over the last full calendar year, read from the rollups and from the raw aggregate over the
  dispute, event and level-stay tables — and asserts that every figure is equal;
- the whole dashboard page's reads from the rollups (tiles, sub-units, 12-month trend, mix);
- the full rollup rebuild, against the raw aggregate of the province's year;
- the cost the rollups add to a registration (rollup_event in the same transaction).

Prints a Markdown table for the README. Times are medians of repeated runs with warm caches.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/bench_metrics"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--disputes", type=int, default=1_000_000)
    parser.add_argument("--scope", choices=["shaoxing", "zhejiang"], default="shaoxing")
    parser.add_argument("--years", type=int, default=2, help="registered over the last N years")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7, help="runs per rollup timing")
    parser.add_argument("--raw-repeat", type=int, default=3, help="runs per raw timing")
    parser.add_argument("--registrations", type=int, default=100)
    parser.add_argument(
        "--copies",
        type=int,
        default=0,
        help="generate disputes/(copies+1) and copy them that many times into the other "
        "villages of each town (bench/replicate.py); PostgreSQL only",
    )
    parser.add_argument(
        "--every-region",
        action="store_true",
        help="instead: time the dashboard page once for every city, county and town and 1,000 "
        "villages, for last year and this year so far (rollups rebuilt only if empty)",
    )
    parser.add_argument(
        "--stop-after",
        choices=["generate", "replicate"],
        help="build only this far; run again with --reuse to go on",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database if it already holds the data"
    )
    return parser.parse_args()


def _fresh_postgres(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _exists_postgres(url: str) -> bool:
    import psycopg

    parts = urlparse(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [parts.path.lstrip("/")]
        ).fetchone()
    return found is not None


def _timed(function: Any, repeat: int) -> tuple[float, Any]:
    """Median seconds of `repeat` runs (after one untimed warm-up run) and the last result."""
    result = function()
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        runs.append(time.perf_counter() - began)
    return statistics.median(runs), result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _zhejiang_bodies() -> int:
    """A tier body for every unit of the tree (as the demo gives Shaoxing's)."""
    from jiefen.demo.services import TIER_KIND, tier_body_name
    from jiefen.org.models import Body
    from jiefen.regions.models import Level, Region

    have = set(Body.objects.values_list("region_id", "kind"))
    new = [
        Body(
            kind=TIER_KIND[Level(level)],
            name=tier_body_name(Level(level), name),
            region_id=code,
            region_code=code,
        )
        for code, name, level in Region.objects.filter(level__in=list(TIER_KIND)).values_list(
            "code", "name", "level"
        )
        if (code, TIER_KIND[Level(level)].value) not in have
    ]
    Body.objects.bulk_create(new, batch_size=2000)
    return len(new)


def _busiest(level: int, within: Any, year: Any) -> Any:
    """The unit at `level` inside `within` with the most disputes registered in `year`."""
    from django.db.models import Sum

    from jiefen.metrics.models import Tally
    from jiefen.regions.models import Region

    row = (
        Tally.objects.filter(
            level=level, region_code__range=within.span, day__range=(year.start, year.end)
        )
        .values("region_code")
        .annotate(n=Sum("received"))
        .order_by("-n")
        .first()
    )
    assert row is not None, "no disputes in the year"
    return Region.objects.get(code=row["region_code"])


def _every_region(today: date) -> None:
    """The whole dashboard page (rollups, targets, sub-units, trend, mix) for every region of
    each level, once each after one page for warming up: the slowest matters, not the median
    of one."""
    import random

    from jiefen.accounts.models import User
    from jiefen.metrics.dashboard import dashboard
    from jiefen.metrics.periods import Period
    from jiefen.regions.models import Level, Region

    actor, _ = User.objects.get_or_create(username="bench", defaults={"is_superuser": True})
    periods = (
        ("last year", Period.containing("year", date(today.year - 1, 6, 1))),
        ("this year so far", Period("custom", date(today.year, 1, 1), today)),
    )
    province = Region.objects.filter(level=Level.PROVINCE).order_by("code").first()
    for _label, period in periods:  # the process's first page pays for imports and caches
        dashboard(actor, province, period, today)
    print()
    print("| level | regions | period | median | p95 | slowest |")
    print("|---|---:|---|---:|---:|---:|")
    for level in (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWN, Level.VILLAGE):
        regions = list(Region.objects.filter(level=level).order_by("code"))
        if len(regions) > 1000:
            regions = sorted(random.Random(1).sample(regions, 1000), key=lambda r: r.code)
        for label, period in periods:
            runs = []
            for region in regions:
                began = time.perf_counter()
                dashboard(actor, region, period, today)
                runs.append((time.perf_counter() - began, region.name))
            runs.sort()
            p95 = runs[min(len(runs) - 1, int(len(runs) * 0.95))][0]
            slowest = runs[-1]
            print(
                f"| {level.label} | {len(regions):,} | {label} | "
                f"{_ms(statistics.median(t for t, _ in runs))} | {_ms(p95)} | "
                f"{_ms(slowest[0])} ({slowest[1]}) |",
                flush=True,
            )
    print("Command: .venv/bin/python bench/metrics_bench.py " + " ".join(sys.argv[1:]))


def main() -> None:
    options = _arguments()
    os.environ["DATABASE_URL"] = options.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiefen.settings")
    postgres = options.database.startswith("postgres")
    if postgres and not (options.reuse and _exists_postgres(options.database)):
        _fresh_postgres(options.database)
    if options.database.startswith("sqlite:///") and not options.reuse:
        database = Path(options.database.removeprefix("sqlite:///"))
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            path.unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    import jiefen.wsgi  # noqa: F401  # set up as in the app processes: views loaded, gc.freeze
    from jiefen.accounts.models import User
    from jiefen.demo.services import demo_load_foundation
    from jiefen.demo.synthetic import disputes_generate, years_back
    from jiefen.disputes import services
    from jiefen.disputes.models import Category, Dispute, Event
    from jiefen.metrics import raw, rollups, selectors
    from jiefen.metrics.dashboard import dashboard
    from jiefen.metrics.periods import Period
    from jiefen.metrics.rollups import rollups_rebuild
    from jiefen.org.models import Body, BodyKind, Membership, Role
    from jiefen.regions.models import Level, Region
    from jiefen.regions.services import ZHEJIANG, regions_import

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    rows: list[tuple[str, str, str, str]] = []
    notes: list[str] = []

    if options.copies and (not postgres or options.disputes % (options.copies + 1)):
        raise SystemExit("--copies needs PostgreSQL and a count divisible by copies + 1")
    base = options.disputes // (options.copies + 1)
    have = Dispute.objects.count()
    if have not in (0, base, options.disputes):
        raise SystemExit(f"the database holds {have:,} disputes; drop it or leave out --reuse")
    if have == 0:
        began = time.perf_counter()
        if options.scope == "shaoxing":
            demo_load_foundation()
        else:
            regions_import(path=ZHEJIANG, progress=_say)
            demo_load_foundation()  # department types, Shaoxing's departments, demo accounts
            _say(f"bodies added: {_zhejiang_bodies():,}")
        _say(f"regions and bodies: {time.perf_counter() - began:.0f} s")
        began = time.perf_counter()

        def progress(done: int, total: int) -> None:
            seconds = time.perf_counter() - began
            _say(f"  {done:,} / {total:,} disputes ({done / seconds:,.0f}/s)")

        generated = disputes_generate(
            count=base,
            seed=options.seed,
            start=years_back(today, options.years),
            end=today,
            progress=progress,
        )
        _say(f"generated: {generated}")
        notes.append(
            f"generated {generated['disputes']:,} disputes, {generated['events']:,} events, "
            f"{generated['stays']:,} level stays in {time.perf_counter() - began:,.0f} s"
        )
        have = base
        if options.stop_after == "generate":
            return
    if have != options.disputes:
        from replicate import disputes_replicate

        began = time.perf_counter()
        copied = disputes_replicate(options.copies, progress=_say)
        notes.append(
            f"copied them {options.copies} times into the other villages of each town "
            f"({copied['dispute']:,} disputes, {copied['event']:,} events) in "
            f"{time.perf_counter() - began:,.0f} s"
        )
        _say(notes[-1])
    if postgres and notes:
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # Django runs in autocommit here
        _say(f"vacuum analyze: {time.perf_counter() - began:.0f} s")
    if options.stop_after:
        return
    events = Event.objects.count()
    _say(f"{Dispute.objects.count():,} disputes, {events:,} events")

    if options.every_region:
        from jiefen.metrics.models import Tally

        if not Tally.objects.exists():
            rollups_rebuild()
        _every_region(today)
        return

    began = time.perf_counter()
    written = rollups_rebuild()
    rebuild = time.perf_counter() - began
    _say(f"rebuild: {rebuild:.1f} s, rows {written}")
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    year = Period.containing("year", date(today.year - 1, 6, 1))
    province = Region.objects.filter(level=Level.PROVINCE).order_by("code").first()
    assert province is not None
    city = _busiest(Level.CITY, province, year)
    town = _busiest(Level.TOWN, city, year)
    village = _busiest(Level.VILLAGE, town, year)
    actor, _ = User.objects.get_or_create(username="bench", defaults={"is_superuser": True})

    raw_province = 0.0
    for label, region in (
        ("province", province),
        ("city", city),
        ("town", town),
        ("village", village),
    ):
        rolled_time, rolled = _timed(
            lambda r=region: selectors.sums(r, year, today), options.repeat
        )
        page_time, _board = _timed(
            lambda r=region: dashboard(actor, r, year, today), options.repeat
        )
        raw_time, counted = _timed(
            lambda r=region: raw.sums_raw(r, year, today), options.raw_repeat
        )
        assert rolled.as_dict() == counted.as_dict(), (label, rolled, counted)
        if label == "province":
            raw_province = raw_time
        _say(f"{label} {region.name}: rollups {rolled_time:.4f} s, raw {raw_time:.3f} s")
        rows.append(
            (
                f"{label}: {region.name} ({rolled['received']:,} registered in {year.start.year})",
                _ms(rolled_time),
                _ms(raw_time),
                f"{raw_time / rolled_time:,.0f}× · whole page {_ms(page_time)}",
            )
        )
    rows.append(
        (
            "full rollup rebuild vs one raw aggregate (province, year)",
            _ms(rebuild),
            _ms(raw_province),
            f"rebuild = {rebuild / raw_province:,.1f} raw aggregates",
        )
    )

    # A registration through the services, with and without the rollups' work, rolled back.
    body = Body.objects.get(kind=BodyKind.VILLAGE_GROUP, region_code=village.code)
    clerk = Membership.objects.filter(body=body, role=Role.CLERK).select_related("user")[0].user
    category = Category.objects.get(key="neighbourhood")

    class Undo(Exception):
        pass

    def register(i: int) -> float:
        """Seconds for one registration through the services, rolled back afterwards."""
        try:
            with transaction.atomic():
                began = time.perf_counter()
                services.dispute_register(
                    actor=clerk,
                    data=services.DisputeInput(
                        body=body,
                        category=category,
                        channel="walk_in",
                        region=village,
                        title="相邻通行纠纷",
                        description="两户因通道砌墙发生争执。",
                        parties=[services.PartyInput(side="applicant", name=f"张{i}")],
                    ),
                )
                spent = time.perf_counter() - began
                raise Undo
        except Undo:
            return spent

    # The services call rollups.rollup_event for every event (services.event_append); for the
    # runs without rollups it is replaced by a no-op. Alternating keeps the load even.
    hook = rollups.rollup_event
    with_rollups, without = [], []
    for i in range(options.registrations):
        with_rollups.append(register(i))
        rollups.rollup_event = lambda event, dispute: None
        try:
            without.append(register(i))
        finally:
            rollups.rollup_event = hook
    wired = "rollup_event" in Path(services.__file__).read_text()
    plain, full = statistics.median(without), statistics.median(with_rollups)
    rows.append(
        (
            f"registration through the services (median of {options.registrations})",
            _ms(full),
            _ms(plain) + " without rollups",
            f"rollups add {_ms(full - plain)}"
            + ("" if wired else " — hook not wired in services.py: not measured"),
        )
    )

    vendor = connection.vendor
    version = connection.cursor().connection.info.server_version if postgres else ""
    print()
    print(
        f"{Dispute.objects.count():,} disputes, {events:,} events ({options.scope}, "
        f"{options.years} years), {vendor} {version}; year {year.start.year}; "
        f"{os.cpu_count()} cores"
    )
    for note in notes:
        print(note)
    print()
    print("| measure | from rollups | raw aggregate | |")
    print("|---|---:|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print("Every figure read from the rollups equals the raw aggregate (asserted).")
    print("Command: .venv/bin/python bench/metrics_bench.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
