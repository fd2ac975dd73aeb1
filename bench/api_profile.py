"""Where the time of one API registration goes: statements, CPU and a profile by phase.

Runs POST /api/v1/disputes through Django's test client in this process, against the database
of DATABASE_URL (the bench database of api_bench.py, not a test database), so that everything a
request does runs as in production: the transaction commits, and the after-commit work runs.
For each request it counts the statements sent (all of them, transaction control included),
the CPU time of this process and of the PostgreSQL backend serving it (read from /proc, so it
does not depend on how busy the machine is), and with --profile prints the CPU time of the
phases of a request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_api_bench \\
        .venv/bin/python bench/api_profile.py --token $TOKEN --region 330681109008 --count 200
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiefen.settings")

from api_bench import registration  # noqa: E402

# The phases of a request, by the function that does each (cumulative time).
PHASES = [
    ("whole request", "django/core/handlers/base.py", "get_response"),
    ("token and permissions", "jiefen/api/rest.py", "authenticate"),
    ("payload parsing and validation", "ninja/signature/details.py", "resolve"),
    ("idempotency digest", "jiefen/api/rest.py", "_payload_digest"),
    ("registration service", "jiefen/disputes/services.py", "dispute_register"),
    ("event followers", "jiefen/disputes/services.py", "event_append"),
    ("search index", "jiefen/search/index.py", "index_follow"),
    ("audit records", "jiefen/audit/chain.py", "_write"),
    ("after-commit work", "django/db/backends/base/base.py", "run_and_clear_commit_hooks"),
    ("audit sealer", "jiefen/audit/chain.py", "seal"),
    ("answer built", "jiefen/api/rest.py", "_detail"),
    ("answer rendered", "ninja/operation.py", "_result_to_response"),
]


def _ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", required=True)
    parser.add_argument("--region", type=int, required=True)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--profile", action="store_true", help="print the time by phase")
    parser.add_argument("--top", type=int, default=0, help="with --profile: the N costliest")
    parser.add_argument("--show", action="store_true", help="print the last request's statements")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    statements: list[str] = []

    def counting(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    def post(i: int):  # type: ignore[no-untyped-def]
        return client.post(
            "/api/v1/disputes",
            json.dumps(registration(args.region, i)),
            content_type="application/json",
            headers={"Authorization": f"Bearer {args.token}", "Idempotency-Key": uuid.uuid4().hex},
        )

    for i in range(5):  # warm: caches, the connection, the rules
        assert post(i).status_code == 201
    # Django's test client closes the connection after each request; keep it, as a server does.
    from django.core.signals import request_finished
    from django.db import close_old_connections

    request_finished.disconnect(close_old_connections)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "")
        backend = cursor.fetchone()[0] if connection.vendor == "postgresql" else None
    hz = os.sysconf("SC_CLK_TCK")
    counts, walls, last = [], [], []
    profile = cProfile.Profile(time.process_time) if args.profile else None
    app0, db0 = time.process_time(), _ticks(backend) if backend else 0
    with connection.execute_wrapper(counting):
        for i in range(args.count):
            statements.clear()
            start = time.perf_counter()
            if profile:
                profile.enable()
            response = post(1000 + i)
            if profile:
                profile.disable()
            walls.append(time.perf_counter() - start)
            assert response.status_code == 201, response.content
            counts.append(len(statements))
            last = list(statements)
    app = (time.process_time() - app0) * 1000 / args.count
    db = ((_ticks(backend) - db0) / hz * 1000 / args.count) if backend else 0.0
    print(f"{args.count} registrations, {connection.vendor}, load {os.getloadavg()[0]:.1f}")
    print(f"statements a request: {Counter(counts).most_common()}")
    print(f"CPU ms a request: app {app:.1f}, database backend {db:.1f}, together {app + db:.1f}")
    print(f"wall ms: median {statistics.median(walls) * 1000:.1f}")
    if args.show:
        for sql in last:
            print("  ", sql[:150].replace("\n", " "))
    if profile:
        stats = pstats.Stats(profile)
        rows = stats.stats  # type: ignore[attr-defined]
        for label, file, name in PHASES:
            found = [v for (f, _l, n), v in rows.items() if f.endswith(file) and n == name]
            cumulative = sum(v[3] for v in found)
            print(f"  {label:32s} {cumulative * 1000 / args.count:7.2f} ms")
        if args.top:
            stats.sort_stats("cumulative").print_stats("jiefen|ninja|middleware", args.top)


if __name__ == "__main__":
    main()
