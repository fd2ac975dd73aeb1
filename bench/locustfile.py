"""Load profile of a working day, for the topology of deploy/topology.sh.

Staff (3 in 4 users): a village clerk and a town-centre head open their queue, the list
(filtered, next page), dispute details, and now and then record a mediation session through
the web form (a 409 conflict, when two of them act on the same dispute, is a correct answer).
Parties (1 in 4): follow their dispute on the portal with its number and query code.

Before the users start (once, on the master): 20 disputes are registered and accepted
through the API for the clerk to act on, and 200 demo disputes get a query code (bench data:
the portal's code is stored as a SHA-256 digest, written here directly).

    deploy/topology.sh start
    .venv/bin/locust -f bench/locustfile.py --headless -u 40 -r 4 -t 3m \\
        --host http://127.0.0.1:8101 --csv var/locust

Requests go to the app processes of WEB_PORTS in turn (no balancer on the bench machine).
Memory (RSS) of the app processes is printed at the start and at the end. With
`--request-log FILE` every request is also written to FILE (time, kind, milliseconds, failed),
for bench/load_phases.py to split the figures by phase (e.g. while the sweep runs).
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
import secrets
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drill_common import Topology, api_token, dispute_payload, request, rss_kib

TOPOLOGY = Topology()
PASSWORD = "jiefen-demo"
SHARED: dict[str, list] = {"act_on": [], "follow": []}
_ports = itertools.cycle(TOPOLOGY.ports)
_lock = threading.Lock()
DISPUTE_LINK = re.compile(r'href="/disputes/(\d+)/"')
VERSION = re.compile(r'name="version" value="(\d+)"')


def _base() -> str:
    with _lock:
        return f"http://127.0.0.1:{next(_ports)}"


def app_memory() -> str:
    parts, total = [], 0
    for n in (1, 2):
        master = TOPOLOGY.pid(f"web{n}")
        if master is None:
            parts.append(f"web{n}: not running")
            continue
        pids = [master, *TOPOLOGY.children(master)]
        kib = [rss_kib(p) for p in pids]
        total += sum(kib)
        parts.append(f"web{n}: " + " + ".join(f"{k // 1024}" for k in kib) + " MiB")
    return f"{'; '.join(parts)}; total {total // 1024} MiB"


@events.init_command_line_parser.add_listener
def _options(parser, **kwargs) -> None:
    parser.add_argument("--request-log", default="", help="write every request to this file")


_request_log: list = []


@events.request.add_listener
def _logged(request_type, name, response_time, exception=None, **kwargs) -> None:
    if _request_log:
        _request_log[0].write(
            f"{time.time():.3f}\t{name}\t{response_time:.1f}\t{int(bool(exception))}\n"
        )


@events.test_start.add_listener
def prepare(environment, **kwargs) -> None:
    token, _, region = api_token(TOPOLOGY, "locust")
    headers = {"Authorization": f"Bearer {token}"}
    for n in range(20):
        status, body = request(
            TOPOLOGY.ports[0],
            "POST",
            "/api/v1/disputes",
            dispute_payload(f"locust-{n}", region),
            headers,
        )
        if status == 201:
            request(
                TOPOLOGY.ports[0],
                "POST",
                f"/api/v1/disputes/{body['id']}/actions/accept",
                {"version": body["version"]},
                headers,
            )
            SHARED["act_on"].append(body["id"])
    with TOPOLOGY.connect() as conn:
        numbers = [
            r[0]
            for r in conn.execute(
                "SELECT number FROM disputes_dispute WHERE number <> '' ORDER BY id LIMIT 200"
            )
        ]
        for number in numbers:
            code = secrets.token_hex(4).upper()
            conn.execute(
                "UPDATE disputes_dispute SET query_digest = %s WHERE number = %s",
                [hashlib.sha256(code.encode()).hexdigest(), number],
            )
            SHARED["follow"].append((number, code))
    print(f"prepared: {len(SHARED['act_on'])} disputes to act on, {len(numbers)} to follow")
    print(f"memory at start: {app_memory()}", flush=True)
    if environment.parsed_options and environment.parsed_options.request_log:
        _request_log.append(open(environment.parsed_options.request_log, "a", buffering=1))  # noqa: SIM115


@events.test_stop.add_listener
def report(environment, **kwargs) -> None:
    print(f"memory at end: {app_memory()}", flush=True)
    if _request_log:
        _request_log.pop().close()


class Staff(HttpUser):
    weight = 3
    wait_time = between(1, 4)
    username = "clerk"

    def on_start(self) -> None:
        self.username = random.choice(["clerk", "townhead"])
        self.base = _base()
        self.client.get(f"{self.base}/login/", name="login")
        self.seen: list[str] = []
        with self.client.post(
            f"{self.base}/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="login",
            catch_response=True,
        ) as response:
            if "/login/" in response.url:
                response.failure("sign-in did not succeed")

    def _page(self, path: str, name: str) -> str:
        with self.client.get(f"{self.base}{path}", name=name, catch_response=True) as response:
            if response.status_code == 200:
                self.seen = DISPUTE_LINK.findall(response.text) or self.seen
            return response.text or ""

    @task(3)
    def queue(self) -> None:
        self._page("/", "queue")

    @task(3)
    def dispute_list(self) -> None:
        self._page("/disputes/", "list")

    @task(1)
    def list_filtered(self) -> None:
        status = random.choice(["open", "mediating", "resolved", "accepted"])
        self._page(f"/disputes/?status={status}", "list ?status")

    @task(4)
    def detail(self) -> None:
        if self.seen:
            self._page(f"/disputes/{random.choice(self.seen)}/", "detail")

    @task(1)
    def act(self) -> None:
        if self.username != "clerk" or not SHARED["act_on"]:
            return
        pk = random.choice(SHARED["act_on"])
        page = self._page(f"/disputes/{pk}/", "detail")
        found = VERSION.search(page)
        if not found:
            return
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
        with self.client.post(
            f"{self.base}/disputes/{pk}/act/session/",
            {
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
                "version": found.group(1),
                "held_on": today,
                "place": "村调解室",
                "mediators": "调解员",
                "attendees": "双方当事人",
                "record": "双方陈述意见，约定下次调解时间。",
                "agreed": "",
            },
            name="act: session",
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                response.success()  # another clerk moved first: the answer asked for


class Party(HttpUser):
    weight = 1
    wait_time = between(2, 8)

    def on_start(self) -> None:
        self.base = _base()

    @task
    def follow(self) -> None:
        if not SHARED["follow"]:
            return
        number, code = random.choice(SHARED["follow"])
        self.client.cookies.clear()
        self.client.get(f"{self.base}/public/follow/", name="portal: follow form")
        with self.client.post(
            f"{self.base}/public/follow/",
            {
                "number": number,
                "code": code,
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="portal: follow",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or number not in response.text:
                response.failure(f"status page not shown ({response.status_code})")
