"""Do people's pages answer while the first full sweep runs? (SQLite demo, real server.)

Copies a demo folder (`--from`, default /work/main/var: 100,000 disputes, never written), starts
the application the way `make run` serves it (`jiefen runserver --noreload` and `jiefen
db_worker --no-reload --interval 2`), signs the demo staff in, then starts the periodic sweep
(`jiefen sweep --schedule`) and, until the worker has finished that first sweep, has:

- staff clients (clerk, townhead, county) open their queue, the list, dispute details, and the
  county clients record a mediation session on one of the county's open disputes each through
  the web form (a move: the write that queued behind the sweep); every 4th round a client
  signs out and in again (sign-in measured on its own);
- party clients follow a dispute on the portal (number and query code, set for 50 demo
  disputes in the copy before the start) and, every 5th round, file a dispute online.

Every request is timed end to end (redirects followed). An error is any answer other than the
expected one (a 409 for two clerks on one dispute cannot happen: each county client has its own).
Prints a table per kind and writes it as JSON next to the copy.

    .venv/bin/python bench/sweep_pages_bench.py --copy /tmp/sweep-after        # this code
    .venv/bin/python bench/sweep_pages_bench.py --copy /tmp/sweep-before \\
        --jiefen /work/main/.venv/bin/jiefen                                    # main's code

The goal: 0 errors, p95 under 1 s and nothing over 3 s for every kind; sign-in under 500 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.cookiejar
import json
import os
import random
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "jiefen-demo"
DISPUTE_LINK = re.compile(r'href="/disputes/(\d+)/"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SESSION_FORM = re.compile(r'action="/disputes/\d+/act/session/".*?</form>', re.S)
VERSION = re.compile(r'name="version" value="(\d+)"')
CHALLENGE = re.compile(r'name="challenge" value="([^"]+)"')
SUM = re.compile(r"验证题：\s*(\d+)\s*加\s*(\d+)")
CATEGORY = re.compile(r'<select name="category".*?<option value="(\d+)"', re.S)
FILED_CODE = re.compile(r'id="code">([^<]+)<')
VILLAGE = ("330681000000", "330681109000", "330681109008")  # 诸暨市 / 枫桥镇 / 枫一社区
COUNTY_BODY = 1608  # 诸暨市县级联席会议 in the demo


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Client:
    """One browser: its own cookies, every request timed."""

    def __init__(self, base: str, results: list, lock: threading.Lock, ip: str = "") -> None:
        self.base = base
        self.results = results
        self.lock = lock
        self.ip = ip
        self.reset()

    def reset(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.opener = urllib.request.build_opener(cookies)
        self.stay = urllib.request.build_opener(cookies, NoRedirect())

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def call(
        self, kind: str, path: str, data: dict | None = None, ok=(200,), follow: bool = True
    ) -> str:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        request.add_header("Referer", self.base + path)
        if self.ip:
            request.add_header("X-Real-IP", self.ip)
        started = time.perf_counter()
        status, text = 0, ""
        try:
            opener = self.opener if follow else self.stay
            with opener.open(request, timeout=60) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        except Exception as error:  # timeouts, resets
            status, text = -1, repr(error)
        elapsed = time.perf_counter() - started
        with self.lock:
            self.results.append(
                {
                    "kind": kind,
                    "at": time.time(),
                    "s": elapsed,
                    "status": status,
                    "ok": status in ok,
                    "said": "" if status in ok else _gist(text),
                }
            )
        return text if status in ok else ""


def _gist(text: str) -> str:
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    h1 = re.search(r"<h1>(.*?)</h1>", text, re.S)
    return (
        " ".join(((title.group(1) if title else "") + " " + (h1.group(1) if h1 else "")).split())[
            :120
        ]
        or text[:120]
    )


def sign_in(client: Client, username: str) -> bool:
    client.reset()
    client.call("login form", "/login/")
    # The sign-in itself: the password checked and the session made, answered by a redirect.
    client.call(
        "sign-in (POST, to its redirect)",
        "/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": client.csrf()},
        ok=(302,),
        follow=False,
    )
    return "/logout/" in client.call("queue", "/")


def staff_loop(client: Client, username: str, dispute: int | None, stop: threading.Event) -> None:
    seen: list[str] = []
    rounds = 0
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    while not stop.is_set():
        rounds += 1
        if rounds % 4 == 0:
            sign_in(client, username)
        seen = DISPUTE_LINK.findall(client.call("queue", "/")) or seen
        seen = DISPUTE_LINK.findall(client.call("list", "/disputes/")) or seen
        if seen:
            client.call("detail", f"/disputes/{random.choice(seen)}/")
        if dispute is not None:
            page = client.call("detail", f"/disputes/{dispute}/")
            form = SESSION_FORM.search(page)
            version = VERSION.search(form.group(0)) if form else None
            if version:
                client.call(
                    "move (record a session)",
                    f"/disputes/{dispute}/act/session/",
                    {
                        "csrfmiddlewaretoken": client.csrf(),
                        "version": version.group(1),
                        "held_on": today,
                        "place": "县联席会议调解室",
                        "mediators": "调解员",
                        "attendees": "双方当事人",
                        "record": "双方陈述意见，约定下次调解时间。",
                        "agreed": "",
                    },
                )
        time.sleep(random.uniform(0.5, 1.5))


def party_loop(client: Client, follow: list[tuple[str, str]], stop: threading.Event) -> None:
    rounds = 0
    while not stop.is_set():
        rounds += 1
        number, code = random.choice(follow)
        client.reset()
        client.call("portal: follow form", "/public/follow/")
        client.call(
            "portal: status query",
            "/public/follow/",
            {"csrfmiddlewaretoken": client.csrf(), "number": number, "code": code},
        )
        if rounds % 5 == 1:
            client.ip = (
                f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(256)}"
            )
            page = client.call("portal: filing form", "/public/")
            challenge, total = CHALLENGE.search(page), SUM.search(page)
            category = CATEGORY.search(page)
            if challenge and total and category:
                filed = client.call(
                    "portal: online filing",
                    "/public/",
                    {
                        "csrfmiddlewaretoken": client.csrf(),
                        "category": category.group(1),
                        "county": VILLAGE[0],
                        "town": VILLAGE[1],
                        "village": VILLAGE[2],
                        "title": "邻居装修噪音扰民",
                        "description": "楼上装修每天早上七点开始，协商无果。",
                        "other_name": "楼上住户",
                        "contact_name": "测试当事人",
                        "contact_phone": "13800000000",
                        "challenge": challenge.group(1),
                        "answer": str(int(total.group(1)) + int(total.group(2))),
                    },
                )
                if filed and not FILED_CODE.search(filed):
                    with client.lock:
                        client.results[-1]["ok"] = False
                        client.results[-1]["said"] = "no query code on the answer"
        time.sleep(random.uniform(1, 3))


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def summary(results: list[dict]) -> list[dict]:
    kinds: dict[str, list[dict]] = {}
    for r in results:
        kinds.setdefault(r["kind"], []).append(r)
    rows = []
    for kind, rs in sorted(kinds.items()):
        seconds = [r["s"] for r in rs]
        errors = [r for r in rs if not r["ok"]]
        rows.append(
            {
                "kind": kind,
                "n": len(rs),
                "errors": len(errors),
                "median_ms": round(statistics.median(seconds) * 1000),
                "p95_ms": round(percentile(seconds, 95) * 1000),
                "max_ms": round(max(seconds) * 1000),
                "over_3s": sum(s > 3 for s in seconds),
                "error_kinds": sorted({f"{r['status']} {r['said']}" for r in errors})[:5],
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="source", default="/work/main/var")
    parser.add_argument("--copy", required=True, help="folder for the copy (replaced)")
    parser.add_argument("--jiefen", default=str(ROOT / ".venv" / "bin" / "jiefen"))
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--staff", type=int, default=6, help="staff clients (2 per account)")
    parser.add_argument("--parties", type=int, default=3)
    parser.add_argument("--max-seconds", type=int, default=400)
    args = parser.parse_args()

    copy = Path(args.copy).resolve()
    if copy == Path(args.source).resolve():
        sys.exit("--copy must not be the source folder")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(args.source, copy)
    env = os.environ | {"JIEFEN_VAR": str(copy), "RATELIMIT_IP_META_KEY": "HTTP_X_REAL_IP"}
    env.pop("DATABASE_URL", None)
    jiefen = args.jiefen
    subprocess.run([jiefen, "migrate", "--verbosity", "0"], env=env, check=True)
    subprocess.run([jiefen, "createcachetable"], env=env, check=True)

    database = copy / "jiefen.sqlite3"
    follow: list[tuple[str, str]] = []
    with sqlite3.connect(database) as conn:
        numbers = [
            r[0]
            for r in conn.execute(
                "SELECT number FROM disputes_dispute WHERE status IN ('accepted','mediating',"
                "'resolved','registered') ORDER BY id LIMIT 50"
            )
        ]
        for number in numbers:
            code = secrets.token_hex(4).upper()
            digest = hashlib.sha256(code.encode()).hexdigest()
            conn.execute(
                "UPDATE disputes_dispute SET query_digest = ? WHERE number = ?", [digest, number]
            )
            follow.append((number, code))
        county_disputes = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM disputes_dispute WHERE holder_id = ? AND status IN "
                "('accepted','mediating') ORDER BY id",
                [COUNTY_BODY],
            )
        ]
        finished_before = conn.execute("SELECT COUNT(*) FROM supervision_sweepmark").fetchone()[0]
    print(
        f"copy ready: {len(follow)} disputes to follow, {len(county_disputes)} county disputes, "
        f"{finished_before} sweep marks before",
        flush=True,
    )

    log = open(copy / "bench-server.log", "w")  # noqa: SIM115 (closed in finally)
    server = subprocess.Popen(
        [jiefen, "runserver", f"127.0.0.1:{args.port}", "--noreload"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = subprocess.Popen(
        [jiefen, "db_worker", "--no-reload", "--interval", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    results: list[dict] = []
    lock = threading.Lock()
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except Exception:
                time.sleep(0.5)
        accounts = ["clerk", "townhead", "county"]
        staff = []
        for n in range(args.staff):
            client = Client(base, results, lock)
            username = accounts[n % len(accounts)]
            if not sign_in(client, username):
                print(f"sign-in of {username} failed", flush=True)
            staff.append((client, username))
        # Sign-ins before the sweep (the first of each account rehashes an older hash).
        quiet_signins = [r["s"] for r in results if r["kind"].startswith("sign-in")]
        for r in results:
            r["kind"] = "before: " + r["kind"]
        load_start = os.getloadavg()
        subprocess.run(
            [jiefen, "sweep", "--schedule"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        started = time.time()
        stop = threading.Event()
        threads = []
        county_iter = iter(county_disputes)
        for client, username in staff:
            dispute = next(county_iter, None) if username == "county" else None
            threads.append(
                threading.Thread(target=staff_loop, args=(client, username, dispute, stop))
            )
        for n in range(args.parties):
            threads.append(
                threading.Thread(
                    target=party_loop,
                    args=(Client(base, results, lock, ip=f"10.9.9.{n}"), follow, stop),
                )
            )
        for t in threads:
            t.start()
        finished = None
        loads = [os.getloadavg()[0]]
        while time.time() - started < args.max_seconds:
            time.sleep(2)
            loads.append(os.getloadavg()[0])
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as conn:
                row = conn.execute(
                    "SELECT last_finished_at FROM supervision_sweepclock WHERE id = 1"
                ).fetchone()
            if row and row[0]:
                finished = time.time()
                break
        stop.set()
        for t in threads:
            t.join(timeout=90)
    finally:
        for process in (server, worker):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in (server, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()

    during = [r for r in results if not r["kind"].startswith("before: ")]
    rows = summary(during)
    report = {
        "code": jiefen,
        "sweep_seconds": round(finished - started, 1) if finished else None,
        "sweep_finished": finished is not None,
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_during": {
            "min": min(loads),
            "max": max(loads),
            "mean": round(statistics.mean(loads), 2),
        },
        "sign_in_before_sweep_ms": [round(s * 1000) for s in quiet_signins],
        "requests": len(during),
        "errors": sum(not r["ok"] for r in during),
        "p95_ms_all": round(percentile([r["s"] for r in during], 95) * 1000) if during else None,
        "max_ms_all": round(max(r["s"] for r in during) * 1000) if during else None,
        "kinds": rows,
    }
    (copy / "bench-report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps({k: v for k, v in report.items() if k != "kinds"}, ensure_ascii=False))
    print(f"{'kind':34} {'n':>5} {'errors':>6} {'median':>7} {'p95':>7} {'max':>7} {'>3s':>4}")
    for row in rows:
        print(
            f"{row['kind']:34} {row['n']:>5} {row['errors']:>6} {row['median_ms']:>7} "
            f"{row['p95_ms']:>7} {row['max_ms']:>7} {row['over_3s']:>4}"
        )
        for said in row["error_kinds"]:
            print(f"    {said}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
