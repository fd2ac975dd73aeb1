"""What the audit log costs a write: 1,000 dispute registrations with and without it.

Builds a fresh database (the test world: Zhuji's 枫桥镇 and its villages, a village clerk),
then registers disputes through services.dispute_register, as a signed-in clerk from an address
(the context the middleware sets), alternating blocks of 100 with the audit capture connected
and disconnected so both see the same database growth and machine load. Prints the median and
95th percentile per registration, the total, and the audit records written per registration,
then verifies the chain.

    .venv/bin/python bench/audit_bench.py                     # SQLite, var/audit_bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/audit_bench \
        .venv/bin/python bench/audit_bench.py
    .venv/bin/python bench/audit_bench.py --count 200
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiefen.settings")
DB_FILE = ROOT / "var" / "audit_bench.sqlite3"
if "DATABASE_URL" not in os.environ:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB_FILE}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DB_FILE}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="registrations per variant")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)

    from jiefen.audit import capture, chain
    from jiefen.audit.context import Actor, acting
    from jiefen.audit.models import Record
    from jiefen.conftest import World, reseed
    from jiefen.disputes.models import Dispute
    from jiefen.disputes.tests.conftest import register
    from jiefen.org.models import Role

    if Dispute.objects.exists():
        sys.exit("The bench needs an empty database (it registers its own disputes).")
    reseed()
    world = World()
    clerk = world.person("bench_clerk", "基准登记员", "枫一社区", Role.CLERK, Role.MEDIATOR)
    register(world, clerk)  # warm up: calendar, rules, caches

    timings: dict[str, list[float]] = {"with": [], "without": []}
    records = 0
    block = 100
    done = 0
    with acting(Actor(kind="user", user_id=clerk.pk, ip="10.0.0.1")):
        while done < args.count:
            n = min(block, args.count - done)
            for variant in ("with", "without"):
                if variant == "with":
                    capture.connect()
                    before = Record.objects.count()
                else:
                    capture.disconnect()
                for _ in range(n):
                    start = time.perf_counter()
                    register(world, clerk)
                    timings[variant].append((time.perf_counter() - start) * 1000)
                if variant == "with":
                    records += Record.objects.count() - before
            done += n
    capture.connect()

    def row(name: str, values: list[float]) -> str:
        values = sorted(values)
        p95 = values[int(len(values) * 0.95) - 1]
        return (
            f"| {name} | {statistics.median(values):.1f} | {p95:.1f} | {sum(values) / 1000:.1f} |"
        )

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"{args.count} registrations per variant, {engine}, blocks of {block} alternating")
    print("| audit | median ms | p95 ms | total s |")
    print("|---|---:|---:|---:|")
    print(row("on", timings["with"]))
    print(row("off", timings["without"]))
    overhead = statistics.median(timings["with"]) / statistics.median(timings["without"]) - 1
    print(
        f"overhead (median): {overhead:+.0%}; audit records per registration: "
        f"{records / args.count:.1f}"
    )
    outcome = chain.verify()
    print(f"verify: {'ok' if outcome.ok else outcome.message} ({outcome.checked} records)")


if __name__ == "__main__":
    main()
