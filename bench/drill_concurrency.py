"""Concurrency drill: many clients make moves on the same disputes at once, through the REST
API, each sending the version it last read.

A few disputes are registered and accepted; then client threads, all at once, read a dispute
and record a mediation session on it (a move that can repeat) with the version they read.
Checks: every answer is 200 or 409 `conflict` (nothing else: no 500, no other 4xx); each
dispute's final version is its version before the drill plus the number of 200s it got, and
no two 200s were sent with the same version (no lost update); it has exactly as many session
events as 200s.

    deploy/topology.sh start
    .venv/bin/python bench/drill_concurrency.py --disputes 3 --clients 16 --moves 25

Exits non-zero on failure.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from drill_common import Topology, api_token, dispute_payload, request


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--disputes", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--moves", type=int, default=25, help="attempts per client")
    args = parser.parse_args()
    topology = Topology()
    topology.require_running()
    tag = uuid.uuid4().hex[:8]
    token, _, region = api_token(topology, f"drill-concurrency-{tag}")
    headers = {"Authorization": f"Bearer {token}"}
    port = topology.ports[0]

    ids: list[int] = []
    for n in range(args.disputes):
        status, body = request(
            port, "POST", "/api/v1/disputes", dispute_payload(f"drill-{tag}-{n}", region), headers
        )
        if status != 201:
            sys.exit(f"could not register: HTTP {status} {body}")
        status, body = request(
            port,
            "POST",
            f"/api/v1/disputes/{body['id']}/actions/accept",
            {"version": body["version"]},
            headers,
        )
        if status != 200:
            sys.exit(f"could not accept: HTTP {status} {body}")
        ids.append(body["id"])
    start_version = {}
    for dispute in ids:
        _, body = request(port, "GET", f"/api/v1/disputes/{dispute}", headers=headers)
        start_version[dispute] = body["version"]

    lock = threading.Lock()
    answers: Counter[tuple[int, int]] = Counter()
    won_from: Counter[tuple[int, int]] = Counter()  # (dispute, version sent) of each 200
    odd: list[str] = []
    gate = threading.Barrier(args.clients)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()

    def client(number: int) -> None:
        gate.wait()
        for i in range(args.moves):
            dispute = random.choice(ids)
            p = random.choice(topology.ports)
            status, body = request(p, "GET", f"/api/v1/disputes/{dispute}", headers=headers)
            if status != 200:
                with lock:
                    odd.append(f"read {dispute}: HTTP {status} {body!r:.200}")
                continue
            move = {
                "version": body["version"],
                "held_on": today,
                "place": "村调解室",
                "mediators": "调解员",
                "attendees": "双方当事人",
                "record": f"第 {number}-{i} 次调解",
            }
            p = random.choice(topology.ports)
            status, body = request(
                p, "POST", f"/api/v1/disputes/{dispute}/actions/session", move, headers
            )
            with lock:
                answers[(dispute, status)] += 1
                if status == 200:
                    won_from[(dispute, move["version"])] += 1
                if status == 409 and (body or {}).get("code") != "conflict":
                    odd.append(f"409 with code {(body or {}).get('code')!r}")
                elif status not in (200, 409):
                    odd.append(f"session {dispute}: HTTP {status} {body!r:.200}")

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - started

    problems = list(odd)
    with topology.connect() as conn:
        for dispute in ids:
            version = conn.execute(
                "SELECT version FROM disputes_dispute WHERE id = %s", [dispute]
            ).fetchone()[0]
            sessions = conn.execute(
                "SELECT COUNT(*) FROM disputes_event WHERE dispute_id = %s AND action = 'session'",
                [dispute],
            ).fetchone()[0]
            won = answers[(dispute, 200)]
            if version != start_version[dispute] + won:
                problems.append(
                    f"dispute {dispute}: version {version}, expected "
                    f"{start_version[dispute]} + {won} successful moves"
                )
            if sessions != won:
                problems.append(f"dispute {dispute}: {sessions} session events, {won} successes")
    for (dispute, version), n in won_from.items():
        if n > 1:
            problems.append(f"dispute {dispute}: {n} moves succeeded from version {version}")
    ok = sum(n for (_, s), n in answers.items() if s == 200)
    conflicts = sum(n for (_, s), n in answers.items() if s == 409)
    others = sum(n for (_, s), n in answers.items() if s not in (200, 409))
    print(
        f"concurrency drill: {'ok' if not problems else 'FAIL'} in {took:.1f}s — "
        f"{args.clients} clients × {args.moves} moves on {len(ids)} disputes: "
        f"{ok} succeeded, {conflicts} answered 409 conflict, {others} other answers"
    )
    for problem in problems[:20]:
        print(f"   ✗ {problem}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
