"""A digest of the synthetic generator's output, to show that a change to it changes no row.

Loads the demo foundation (Shaoxing's divisions, bodies, accounts), forgets any generated
disputes, generates N disputes with jiefen.demo.synthetic for a fixed moment (10 March 2026,
15:00 in Shanghai) and period (the two years before), and prints a SHA-256 of each generated
table — every column of every row in id order, as the database returns it — and of them all,
with the time the generation took, elapsed and of CPU (this process and the one playing).
The same seed and code give the same digests on every run and in every checkout (the field
encryption key defaults to a fixed one here); compare the output of two versions of the
generator, on the same database engine:

    .venv/bin/python bench/synthetic_digest.py --disputes 3000    # var/synthetic_digest.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/synthetic_digest \
        .venv/bin/python bench/synthetic_digest.py --disputes 3000

Phone and ID numbers are stored Fernet-encrypted with a random nonce, so their ciphertext
differs on every run: the digest takes the decrypted values instead (and the stored keyed
digests, which are deterministic). Dates and times are digested as the engine returns them,
so SQLite's and PostgreSQL's digests differ from each other. The PostgreSQL database is
created if it does not exist; --parallel / --serial choose how the disputes are played
(default: the generator's own choice, a second process for more than one batch).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from django.db import models

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiefen.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'synthetic_digest.sqlite3'}")
# The parties' lookup digests are keyed: one key, whatever var/ holds, so that two checkouts
# digest alike.
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "synthetic-digest")

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ENCRYPTED = {"phone", "id_number"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--disputes", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--years", type=int, default=2)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--parallel", action="store_const", const=True, dest="parallel")
    mode.add_argument("--serial", action="store_const", const=False, dest="parallel")
    args = parser.parse_args()

    from disputes_bench import _ensure_postgres_database

    _ensure_postgres_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from jiefen.demo.services import demo_load_foundation
    from jiefen.demo.synthetic import disputes_generate, years_back

    call_command("migrate", verbosity=0)
    demo_load_foundation()
    _forget()
    end = NOW.date()
    began, cpu = time.perf_counter(), _cpu()
    result = disputes_generate(
        count=args.disputes,
        seed=args.seed,
        start=years_back(end, args.years),
        end=end,
        now=NOW,
        parallel=args.parallel,
    )
    seconds, cpu = time.perf_counter() - began, _cpu() - cpu
    digests = _digests()
    total = hashlib.sha256("".join(digests.values()).encode()).hexdigest()
    for table, value in digests.items():
        print(f"{table:<24} {value}")
    print(f"{'all':<24} {total}")
    print(
        f"generated {result['disputes']:,} disputes, {result['events']:,} events in "
        f"{seconds:.2f} s, {cpu:.2f} s of CPU (seed {args.seed}, {args.years} years to {end}, "
        f"parallel={args.parallel})"
    )


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the one playing in parallel):
    steadier than the elapsed time on a shared machine."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _forget() -> None:
    """Delete the generated rows, table by table (the generator numbers ids from the top)."""
    from django.db import connection

    from jiefen.demo.synthetic import TABLES
    from jiefen.disputes.models import NumberCounter

    tables: list[type[models.Model]] = [*reversed(TABLES), NumberCounter]
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"DELETE FROM {model._meta.db_table}")


def _digests() -> dict[str, str]:
    from django.db import connection

    from jiefen.demo.synthetic import COLUMNS
    from jiefen.disputes.models import NumberCounter, Party

    found = {}
    quote = connection.ops.quote_name
    tables: list[tuple[type[models.Model], tuple[str, ...]]] = [
        *COLUMNS.items(),
        (NumberCounter, ("prefix", "last")),
    ]
    for model, names in tables:
        column_of = {f.attname: f.column for f in model._meta.concrete_fields}
        plain = [name for name in names if not (model is Party and name in ENCRYPTED)]
        columns = ", ".join(quote(column_of[name]) for name in plain)
        order = quote("prefix" if model is NumberCounter else "id")
        h = hashlib.sha256()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {quote(model._meta.db_table)} ORDER BY {order}")
            for row in cursor.fetchall():
                h.update(repr(row).encode())
        if model is Party:  # the encrypted values, decrypted by the model's fields
            for row in Party.objects.order_by("id").values_list("id", *sorted(ENCRYPTED)):
                h.update(repr(row).encode())
        found[model._meta.db_table] = h.hexdigest()
    return found


if __name__ == "__main__":
    main()
