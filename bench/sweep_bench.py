"""How long the supervision sweep takes with a city's worth of disputes, 100,000 of them open.

Builds the demo foundation (Shaoxing's divisions, bodies, accounts) and N synthetic disputes
with jiefen.demo.synthetic (or reuses those in the database), then reopens finished disputes
with set-based SQL until --open disputes are open, with due dates spread over the 20 days
before and after today (so that some are red, some yellow, most neither), and adds --orders
supervision orders on open disputes, half of them past due. Then it times, with the
supervision tables emptied and every colour reset first:

- a cold sweep: everything coloured is new, so it recolours and notifies it all;
- the same sweep again a minute later: the steady state, nothing new to do;
- a sweep on the next working day: one day's worth of new yellows and reds;
- two sweeps at once, in two processes, on the day after that (they must share the work).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/sweep_bench.py
    .venv/bin/python bench/sweep_bench.py --disputes 100000 --open 10000      # SQLite

Generation is the slow part the first time (some 500–1,500 disputes a second on two cores);
later runs reuse the database. The PostgreSQL database is created if it does not exist.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shlex
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiefen.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--disputes", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000, help="open disputes to measure with")
    parser.add_argument("--orders", type=int, default=2_000, help="supervision orders")
    parser.add_argument("--years", type=int, default=10, help="registration period, to today")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    _ensure_postgres_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    # As in production, e-mail is sent by the sweep's last step or by a worker, not in the
    # middle of another step: enqueued tasks are only recorded here.
    override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ).enable()

    call_command("migrate", verbosity=0)
    _seed(args)
    _open(args)
    _orders(args)
    rows = _measure()
    _report(args, rows)


def _ensure_postgres_database(url: str) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    params = {
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
    have = Dispute.objects.count()
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
            print(f"  {done:,} / {total:,}  {seconds:,.0f} s", flush=True)

    disputes_generate(
        count=missing,
        seed=args.seed + have,
        start=years_back(today, args.years),
        end=today,
        progress=progress,
    )


def _open(args: argparse.Namespace) -> None:
    """Reopen finished disputes, set-based, until --open are open, with due dates around
    today. Their history is left as it was: the sweep reads the dispute rows."""
    from django.db import connection, transaction
    from django.utils import timezone

    from jiefen.disputes.models import OPEN_STATUSES, Dispute

    have = Dispute.objects.filter(status__in=OPEN_STATUSES).count()
    missing = args.open - have
    if missing <= 0:
        print(f"{have:,} disputes open")
        return
    today = timezone.localdate()
    table = Dispute._meta.db_table
    remainder = "MOD(id, 41)" if connection.vendor == "postgresql" else "(id % 41)"
    # The newest finished disputes, the way a backlog would look; due dates -20 … +20 days.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE status IN ('resolved', 'visited', 'closed') "
            f"ORDER BY id DESC LIMIT %s",
            [missing],
        )
        ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), 10_000):
            chunk = ids[start : start + 10_000]
            marks = ", ".join(["%s"] * len(chunk))
            if connection.vendor == "postgresql":
                due = f"%s::date + ({remainder} - 20)::int"
            else:
                due = f"date(%s, ({remainder} - 20) || ' days')"
            cursor.execute(
                f"UPDATE {table} SET status = 'mediating', resolved_at = NULL, closed_at = NULL, "
                f"outcome = '', route = '', satisfaction = NULL, warning = 0, "
                f"due_date = {due}, due_action = 'resolve', due_rule = 'mediation-resolve' "
                f"WHERE id IN ({marks})",
                [today.isoformat(), *chunk],
            )
    print(f"reopened {len(ids):,} disputes: {have + len(ids):,} open")


def _orders(args: argparse.Namespace) -> None:
    from django.utils import timezone

    from jiefen.accounts.models import User
    from jiefen.disputes.models import OPEN_STATUSES, Dispute
    from jiefen.supervision.models import SupervisionOrder

    have = SupervisionOrder.objects.count()
    if have >= args.orders:
        return
    issuer = User.objects.get(username="county")
    now = timezone.now()
    today = timezone.localdate()
    rows = Dispute.objects.filter(status__in=OPEN_STATUSES).order_by("id")[: args.orders - have]
    SupervisionOrder.objects.bulk_create(
        [
            SupervisionOrder(
                dispute_id=pk,
                issued_by=issuer,
                to_body_id=holder,
                region_code=code,
                requirement="请报告进展",
                days=5,
                issued_at=now - timedelta(days=10),
                due_date=today + timedelta(days=(-3 if i % 2 else 3)),
            )
            for i, (pk, holder, code) in enumerate(
                rows.values_list("pk", "holder_id", "region_code")
            )
        ],
        batch_size=1000,
    )


def _reset() -> None:
    """Empty what the sweep writes and take every colour off, so each cold run is the same."""
    from django.db import connection, transaction

    from jiefen.disputes.models import Dispute, Warning
    from jiefen.supervision.models import (
        Notification,
        SupervisionOrder,
        SweepCursor,
        SweepMark,
    )

    with transaction.atomic():
        Notification.objects.all().delete()
        SweepMark.objects.all().delete()
        SweepCursor.objects.all().delete()
        SupervisionOrder.objects.update(escalated_at=None)
        Dispute.objects.filter(warning__gt=0).update(warning=Warning.NONE)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics for the planner after the bulk changes


def _timed(now: datetime) -> tuple[float, dict, dict]:
    from jiefen.supervision.sweep import sweep_run

    timings: dict[str, float] = {}
    began = time.perf_counter()
    counts = sweep_run(now=now, timings=timings)
    return time.perf_counter() - began, counts, timings


def _in_process(now_iso: str, queue: multiprocessing.Queue) -> None:
    import django
    from django.db import connections

    connections.close_all()
    django.setup()
    seconds, counts, _timings = _timed(datetime.fromisoformat(now_iso))
    queue.put((seconds, counts))


def _measure() -> list[tuple[str, float, dict, dict]]:
    from django.db import connections
    from django.db.models import Count
    from django.utils import timezone

    from jiefen.calendars.services import calendar_current
    from jiefen.disputes.models import OPEN_STATUSES, Dispute, Warning
    from jiefen.supervision.models import Notification

    calendar = calendar_current()
    now = timezone.now().replace(hour=7, minute=0, second=0, microsecond=0)
    rows = []
    _reset()
    print(
        f"{Dispute.objects.count():,} disputes, "
        f"{Dispute.objects.filter(status__in=OPEN_STATUSES).count():,} open"
    )
    for label, at in [
        ("cold: everything coloured is new", now),
        ("again a minute later (steady state)", now + timedelta(minutes=1)),
        ("next working day", datetime.combine(calendar.add(now.date(), 1), now.timetz())),
    ]:
        seconds, counts, timings = _timed(at)
        rows.append((label, seconds, counts, timings))
        print(f"{label}: {seconds:.2f} s {json.dumps(counts)} {json.dumps(timings)}", flush=True)

    day = datetime.combine(calendar.add(now.date(), 2), now.timetz())
    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_in_process, args=(day.isoformat(), queue)) for _ in "ab"]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=3600) for _ in workers]
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - began
    merged = {key: sum(r[1].get(key, 0) for r in results) for key in results[0][1] if key != "sent"}
    merged["sent"] = sum(r[1]["sent"] for r in results)
    rows.append(("two workers at once, the day after", wall, merged, {}))
    print(f"two workers: {wall:.2f} s {json.dumps(merged)}")
    duplicates = (
        Notification.objects.values("recipient", "kind", "dispute", "key")
        .order_by()
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    print(f"duplicate notifications: {duplicates}")
    assert duplicates == 0
    print(
        "colours now:",
        {w.label: Dispute.objects.filter(warning=w).count() for w in Warning},
    )
    return rows


def _report(args: argparse.Namespace, rows: list[tuple[str, float, dict, dict]]) -> None:
    from django.db import connection

    from jiefen.disputes.models import OPEN_STATUSES, Dispute

    total = Dispute.objects.count()
    open_ = Dispute.objects.filter(status__in=OPEN_STATUSES).count()
    if connection.vendor == "postgresql":
        engine = f"PostgreSQL {connection.pg_version // 10000}"
    else:
        import sqlite3

        engine = f"SQLite {sqlite3.sqlite_version}"
    print()
    print(
        f"Sweep with {total:,} disputes, {open_:,} open — {engine}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPU"
    )
    print()
    print(
        "| run | seconds | of which other apps' hooks | notifications | recoloured "
        "| orders escalated | leaders flagged |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, seconds, counts, timings in rows:
        recoloured = sum(v for k, v in counts.items() if k.startswith("recoloured_"))
        notified = counts["yellow"] + counts["red"] + counts["arrivals"] + counts["leader_missing"]
        hooks = f"{timings['hooks']:.2f}" if "hooks" in timings else "—"
        print(
            f"| {label} | {seconds:.2f} | {hooks} | {notified:,} | {recoloured:,} | "
            f"{counts['orders_escalated']:,} | {counts['leader_missing']:,} |"
        )
    print()
    url = os.environ["DATABASE_URL"]
    prefix = f"DATABASE_URL={shlex.quote(url)} " if not url.startswith("sqlite") else ""
    arguments = " ".join(shlex.quote(a) for a in sys.argv[1:])
    print(f"Measured with: `{prefix}.venv/bin/python bench/sweep_bench.py {arguments}`".rstrip())


if __name__ == "__main__":
    main()
