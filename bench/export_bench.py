"""The export of a list, as a person gets it: the press (a POST answered by a redirect to the
job's page), the job the task worker runs, and the download.

Every request goes through Django's test client (middleware, templates and all); the job runs
in one pass of the project's task worker (jiefen.ops.worker.GuardedWorker, as `jiefen
db_worker --batch`) over the database queue. Lists: a town's (the demo `townhead`, 枫桥镇)
and a city's (the demo `evaluator`, 绍兴市), masked, and the town's unmasked with a reason.
Each row is the median of --repeat runs, in milliseconds, with the list's rows and the file's
size; the press also gives its SQL query count.

    DATABASE_URL=sqlite:////tmp/export_demo.sqlite3 .venv/bin/jiefen migrate
    DATABASE_URL=sqlite:////tmp/export_demo.sqlite3 .venv/bin/jiefen demo --disputes 20000
    DATABASE_URL=sqlite:////tmp/export_demo.sqlite3 .venv/bin/python bench/export_bench.py

It writes export jobs, their records and files (under JIEFEN_UPLOAD_ROOT, by default a
temporary directory removed at the end): run it on a copy of a demo database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiefen.settings")

CASES = [
    # label, user, query, unmasked reason
    ("town 枫桥镇, masked", "townhead", "", None),
    ("town 枫桥镇, unmasked", "townhead", "", "核对台账"),
    ("town 枫桥镇, open only", "townhead", "status=open", None),
    ("city 绍兴市, masked", "evaluator", "", None),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=[], help="cases with this word in the label")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    # The project's database queue, whatever the environment says.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    with tempfile.TemporaryDirectory(prefix="export_bench_") as files:
        settings.JIEFEN_UPLOAD_ROOT = Path(os.environ.get("JIEFEN_UPLOAD_ROOT", files))
        _work()  # whatever was queued before (the demo's own tasks), not timed
        rows = [_case(*case, repeat=args.repeat) for case in CASES if _wanted(case, args.only)]
    from django.db import connection

    print()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"repeat: {args.repeat}, load average {os.getloadavg()[0]:.2f}")
    print()
    header = (
        "| list | rows | file | press (POST→302) | queries | job (worker) | job page | download |"
    )
    print(header)
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['label']} | {row['rows']:,} | {row['size'] / 1e6:.1f} MB "
            f"| {row['press']:.0f} ms | {row['queries']} | {row['job']:.0f} ms "
            f"| {row['page']:.0f} ms | {row['download']:.0f} ms |"
        )


def _wanted(case: tuple[Any, ...], only: list[str]) -> bool:
    return not only or any(word in case[0] for word in only)


def _case(label: str, username: str, query: str, reason: str | None, *, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from jiefen.accounts.models import User
    from jiefen.spreadsheets.models import ExportJob

    client = Client()
    client.force_login(User.objects.get(username=username))
    name = "spreadsheets:export" if reason is None else "spreadsheets:export_unmasked"
    url = reverse(name) + (f"?{query}" if query else "")
    data = {} if reason is None else {"reason": reason}
    press, job_ms, page, download = [], [], [], []
    queries = 0
    rows = size = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post(url, data)
            press.append(_ms(started))
        queries = len(captured)
        assert response.status_code == 302, (label, response.status_code)
        job = ExportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
        assert job.status == ExportJob.State.QUEUED, job.status

        started = time.perf_counter()
        _work()
        job_ms.append(_ms(started))
        job.refresh_from_db()
        assert job.status == ExportJob.State.DONE, (label, job.status, job.failure)
        rows, size = job.rows, job.size

        started = time.perf_counter()
        shown = client.get(response["Location"])
        page.append(_ms(started))
        assert shown.status_code == 200

        started = time.perf_counter()
        file = client.get(reverse("spreadsheets:export_download", args=[job.pk]))
        got = b"".join(file.streaming_content)
        download.append(_ms(started))
        assert file.status_code == 200 and got[:2] == b"PK" and len(got) == size
    print(f"{label}: {rows} rows, press {press}, job {job_ms}", file=sys.stderr)
    return {
        "label": label,
        "rows": rows,
        "size": size,
        "press": statistics.median(press),
        "queries": queries,
        "job": statistics.median(job_ms),
        "page": statistics.median(page),
        "download": statistics.median(download),
    }


def _work() -> None:
    """One pass of the project's worker over the queue (drained before the cases start): the
    export just pressed."""
    from jiefen.ops.worker import GuardedWorker

    worker = GuardedWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="export-bench",
        excluded_queue_names=[],
    )
    worker.configure_signals()
    worker.run()


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()
