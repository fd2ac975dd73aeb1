"""Crash drill: registrations through the REST API survive app processes killed with SIGKILL.

Against the topology of deploy/topology.sh (PostgreSQL, two gunicorn app processes, two task
workers). Client threads register disputes with an Idempotency-Key, each key with its own
payload; on a connection error, a 5xx or a 409 "key in use" they retry the same key and
payload, on either app process. Meanwhile a chaos thread SIGKILLs, at random moments, a
gunicorn worker (its master starts another), a whole app process (master and workers, then
restarted after a pause) or a task worker (restarted).

At the end, from the database: every registration that got a success answer exists exactly
once, with the dispute the answer named; no key produced two disputes; no key is left
claimed without a dispute; every drill dispute has exactly one `register` event; and
`jiefen audit verify` passes if the audit app provides it.

    deploy/topology.sh start
    .venv/bin/python bench/drill_crash.py --runs 10 --seconds 30 --clients 6

Exits non-zero if any run fails.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from drill_common import Topology, api_token, audit_verify, dispute_payload, kill, request

RETRYABLE = {0, 500, 502, 503, 504}


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    answered: dict[str, int] = field(default_factory=dict)  # key -> dispute id answered
    replayed: int = 0
    retries: int = 0
    gave_up: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    kills: Counter[str] = field(default_factory=Counter)


def client(
    topology: Topology,
    token: str,
    region: int,
    tag: str,
    number: int,
    stop: threading.Event,
    tally: Tally,
    give_up_after: float,
    resend: float,
) -> None:
    i = 0
    headers = {"Authorization": f"Bearer {token}"}
    while not stop.is_set():
        i += 1
        key = f"{tag}-{number}-{i}"
        payload = dispute_payload(f"drill-{key}", region)
        started = time.monotonic()
        may_resend = True
        while True:
            port = random.choice(topology.ports)
            status, body = request(
                port, "POST", "/api/v1/disputes", payload, headers | {"Idempotency-Key": key}
            )
            if status in (200, 201):
                with tally.lock:
                    if key in tally.answered and tally.answered[key] != body["id"]:
                        tally.wrong.append(
                            f"{key}: answered {tally.answered[key]}, then {body['id']}"
                        )
                    tally.answered[key] = body["id"]
                    tally.replayed += status == 200
                if may_resend and random.random() < resend:
                    # As if the answer had been lost: the same request again must be
                    # answered from the key, with the same dispute.
                    may_resend = False
                    continue
                break
            conflict = status == 409 and isinstance(body, dict) and body.get("code") == "conflict"
            if status in RETRYABLE or conflict:
                with tally.lock:
                    tally.retries += 1
                if time.monotonic() - started > give_up_after:
                    with tally.lock:
                        tally.gave_up.append(key)
                    break
                time.sleep(random.uniform(0.05, 0.3))
                continue
            with tally.lock:
                tally.wrong.append(f"{key}: HTTP {status} {body!r:.200}")
            break


def chaos(topology: Topology, stop: threading.Event, tally: Tally, pace: float) -> None:
    while not stop.wait(random.uniform(0.3, pace)):
        choice = random.random()
        n = random.choice([1, 2])
        master = topology.pid(f"web{n}")
        if choice < 0.5 and master:
            workers = topology.children(master)
            if workers and kill(random.choice(workers)):
                tally.kills["gunicorn worker"] += 1
        elif choice < 0.85 and master:
            # The whole app process, as the OOM killer or a crashed host would.
            workers = topology.children(master)
            kill(master)
            for pid in workers:
                kill(pid)
            tally.kills["app process (master + workers)"] += 1
            time.sleep(random.uniform(0.2, 2.0))
            topology.script("web", str(n))
        else:
            worker = topology.pid(f"worker{n}")
            if worker and kill(worker):
                tally.kills["task worker"] += 1
                topology.script("worker", str(n))
    for n in (1, 2):
        topology.script("web", str(n))
        topology.script("worker", str(n))


def verify(topology: Topology, token_id: int, tag: str, tally: Tally) -> list[str]:
    problems = list(tally.wrong)
    with topology.connect() as conn:
        keys = dict(
            conn.execute(
                "SELECT key, dispute_id FROM api_idempotencykey WHERE token_id = %s", [token_id]
            ).fetchall()
        )
        titles = Counter(
            t
            for (t,) in conn.execute(
                "SELECT title FROM disputes_dispute WHERE title LIKE %s", [f"drill-{tag}-%"]
            )
        )
        events = dict(
            conn.execute(
                "SELECT d.title, COUNT(*) FROM disputes_event e "
                "JOIN disputes_dispute d ON d.id = e.dispute_id "
                "WHERE e.action = 'register' AND d.title LIKE %s GROUP BY d.title",
                [f"drill-{tag}-%"],
            ).fetchall()
        )
    for key, dispute in tally.answered.items():
        if titles[f"drill-{key}"] != 1:
            problems.append(f"{key}: answered {dispute}, found {titles[f'drill-{key}']} disputes")
        if keys.get(key) != dispute:
            problems.append(f"{key}: answered {dispute}, key points to {keys.get(key)}")
    for title, n in titles.items():
        if n != 1:
            problems.append(f"{title}: {n} disputes for one key")
        if events.get(title) != 1:
            problems.append(f"{title}: {events.get(title, 0)} register events")
    unclaimed = [k for k, d in keys.items() if d is None]
    if unclaimed:
        problems.append(f"{len(unclaimed)} keys claimed without a dispute: {unclaimed[:5]}")
    orphans = set(titles) - {f"drill-{k}" for k in keys}
    if orphans:
        problems.append(f"{len(orphans)} drill disputes without a key: {sorted(orphans)[:5]}")
    return problems


def one_run(topology: Topology, args: argparse.Namespace, number: int) -> bool:
    tag = uuid.uuid4().hex[:8]
    token, _, region = api_token(topology, f"drill-crash-{tag}")
    with topology.connect() as conn:
        token_id = conn.execute("SELECT MAX(id) FROM api_apitoken").fetchone()[0]
    tally = Tally()
    stop_clients, stop_chaos = threading.Event(), threading.Event()
    clients = [
        threading.Thread(
            target=client,
            args=(
                topology,
                token,
                region,
                tag,
                i,
                stop_clients,
                tally,
                args.give_up_after,
                args.resend,
            ),
        )
        for i in range(args.clients)
    ]
    chaos_thread = threading.Thread(target=chaos, args=(topology, stop_chaos, tally, args.pace))
    started = time.monotonic()
    for thread in [*clients, chaos_thread]:
        thread.start()
    time.sleep(args.seconds)
    stop_chaos.set()
    chaos_thread.join()
    stop_clients.set()  # clients finish the registration in hand, retrying as needed
    for thread in clients:
        thread.join()
    topology.require_running()
    problems = verify(topology, token_id, tag, tally)
    audited, audit_output = audit_verify(topology) if args.audit else (None, "skipped")
    if audited is False:
        problems.append(f"jiefen audit verify failed: {audit_output}")
    kills = ", ".join(f"{n} {what}" for what, n in sorted(tally.kills.items())) or "none"
    verdict = "ok" if not problems and not tally.gave_up else "FAIL"
    print(
        f"run {number}: {verdict} in {time.monotonic() - started:.0f}s — "
        f"{len(tally.answered)} registered, {tally.replayed} answered by replay, "
        f"{tally.retries} retries, {len(tally.gave_up)} gave up; kills: {kills}; "
        f"audit: {'passed' if audited else 'not available' if audited is None else 'FAILED'}",
        flush=True,
    )
    for problem in problems[:20]:
        print(f"   ✗ {problem}")
    if tally.gave_up:
        print(f"   ✗ gave up after {args.give_up_after}s on {tally.gave_up[:5]}")
    return verdict == "ok"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30, help="chaos time per run")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--pace", type=float, default=3.0, help="most seconds between kills")
    parser.add_argument("--give-up-after", type=float, default=60)
    parser.add_argument(
        "--resend", type=float, default=0.1, help="share of answers deliberately resent"
    )
    parser.add_argument("--no-audit", dest="audit", action="store_false")
    args = parser.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    topology = Topology()
    topology.require_running()
    passed = sum(one_run(topology, args, n) for n in range(1, args.runs + 1))
    print(f"crash drill: {passed}/{args.runs} runs passed")
    return 0 if passed == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
