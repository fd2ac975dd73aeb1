"""API registrations per second: many threads POST /api/v1/disputes to a running server.

Standard library only (threads + urllib), bounded in count and time, and only against this
machine (127.0.0.1 / localhost). Each registration carries its own Idempotency-Key, as a client
that retries safely would; with --replay R every R-th request repeats the previous key, to time
a replay too.

Registrations in one town share its yearly number counter, so they queue on one row; give
several --token/--region pairs (villages of different towns) to spread them as real traffic is.

Set up a PostgreSQL database with the demo and a token for the demo village clerk:

    createdb h_api_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_api_bench
    .venv/bin/jiefen migrate && .venv/bin/jiefen demo
    TOKEN=$(.venv/bin/jiefen tokens create clerk BODY_ID bench)   # BODY_ID: 枫一社区's group
    .venv/bin/gunicorn jiefen.wsgi -w 2 -b 127.0.0.1:18473 &
    .venv/bin/python bench/api_bench.py --url http://127.0.0.1:18473 --token $TOKEN \\
        --region 330681109008 --count 2000 --threads 8 --server-pid $! --database h_api_bench

With --server-pid (gunicorn's master) and --database it also prints the CPU time the server's
workers and the database's backends spent per registration, read from /proc: unlike the rate,
it does not depend on how busy the machine is (50 registrations a second on two cores leave
40 ms of CPU to each, app and database together).
"""

import argparse
import json
import os
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

MAX_COUNT = 20_000
MAX_THREADS = 32
MAX_SECONDS = 300


def registration(region: int, i: int) -> dict:
    return {
        "category": "neighbourhood",
        "channel": "walk_in",
        "region": region,
        "title": f"压测纠纷 {i}",
        "description": "两户因院墙位置发生争执，多次协商未果。",
        "people_involved": 2,
        "parties": [
            {"side": "applicant", "name": "张三", "phone": "13812345678"},
            {"side": "respondent", "name": "李四"},
        ],
    }


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between the two readings by the processes alive at the second (one that ended
    meanwhile is not counted: the figure errs low only if a worker or backend ended)."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def _server_pids(master: int | None, database: str | None) -> tuple[list[int], list[int]]:
    """The workers of the gunicorn master, and the PostgreSQL backends of `database`."""
    workers, backends = [], []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if master is not None and int(stat[1]) == master:
            workers.append(int(entry.name))
        elif database and title.startswith("postgres: ") and f" {database} " in title:
            backends.append(int(entry.name))
    return workers, backends


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:18473")
    parser.add_argument("--token", action="append", required=True, help="repeat for several")
    parser.add_argument(
        "--region", type=int, action="append", required=True, help="village of each --token"
    )
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=120, help="stop after this long")
    parser.add_argument("--replay", type=int, default=0, help="every R-th request is a retry")
    parser.add_argument("--warm", type=int, default=20, help="registrations before timing")
    parser.add_argument("--server-pid", type=int, help="gunicorn master: CPU of its workers")
    parser.add_argument("--database", help="PostgreSQL database: CPU of its backends")
    args = parser.parse_args()

    if len(args.token) != len(args.region):
        parser.error("give one --region for each --token")
    pairs = list(zip(args.token, args.region, strict=True))
    host = urlparse(args.url).hostname
    if host not in ("127.0.0.1", "localhost"):
        parser.error("only a server on this machine (127.0.0.1) may be benchmarked")
    count = min(args.count, MAX_COUNT)
    threads = max(1, min(args.threads, MAX_THREADS))
    deadline = time.monotonic() + min(args.seconds, MAX_SECONDS)

    lock = threading.Lock()
    next_index = iter(range(count))
    latencies: list[float] = []
    statuses: Counter = Counter()
    keys: dict[int, str] = {}

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            replay = args.replay and i % args.replay == 0 and i > 0
            key = keys.get(i - 1) if replay else None
            key = key or uuid.uuid4().hex
            keys[i] = key
            # A retry goes out as the request it repeats: same token, key and payload.
            same = i - 1 if replay else i
            token, region = pairs[same % len(pairs)]
            request = urllib.request.Request(
                f"{args.url}/api/v1/disputes",
                data=json.dumps(registration(region, same)).encode(),
                method="POST",
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": key,
                },
            )
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except (urllib.error.URLError, TimeoutError) as error:
                status = f"error: {error}"
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                statuses[status] += 1

    # Every worker up and warm before the clock starts (their start-up is not a registration's).
    for i in range(args.warm):
        token, region = pairs[i % len(pairs)]
        warm = urllib.request.Request(
            f"{args.url}/api/v1/disputes",
            data=json.dumps(registration(region, MAX_COUNT + i)).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(warm, timeout=60) as response:
            response.read()
    workers, backends = _server_pids(args.server_pid, args.database)
    cpu_before = (_cpu_seconds(workers), _cpu_seconds(backends))
    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - started
    # Backends opened during the run count from zero (their CPU before it was nothing).
    workers_after, backends_after = _server_pids(args.server_pid, args.database)
    cpu_app = _spent(cpu_before[0], _cpu_seconds(workers_after))
    cpu_db = _spent(cpu_before[1], _cpu_seconds(backends_after))

    created = statuses.get(201, 0)
    print(f"requests: {len(latencies)} in {wall:.1f} s with {threads} threads")
    print(f"statuses: {dict(statuses)}")
    print(f"registrations (201) per second: {created / wall:.1f}")
    if latencies:
        ordered = sorted(latencies)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        print(
            f"latency ms: median {statistics.median(ordered) * 1000:.0f}, "
            f"p95 {p95 * 1000:.0f}, max {ordered[-1] * 1000:.0f}"
        )
    if created and (workers or backends):
        print(
            f"CPU ms per registration: app {cpu_app * 1000 / created:.1f}, "
            f"database {cpu_db * 1000 / created:.1f}, "
            f"together {(cpu_app + cpu_db) * 1000 / created:.1f} "
            f"({len(workers)} workers, {len(backends_after)} backends)"
        )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
