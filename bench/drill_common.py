"""What the reliability drills share: the topology started by deploy/topology.sh, a small
HTTP client for the REST API, tokens, and direct reads of the drill's database.

The drills find the topology through the same environment variables as topology.sh
(PGURL, TOPOLOGY_DB, WEB_PORTS, STATE, JIEFEN_SRC), with the same defaults.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = os.environ.get("PY", str(ROOT / ".venv" / "bin" / "python"))


@dataclass
class Topology:
    pgurl: str = os.environ.get("PGURL", "postgres://postgres@127.0.0.1:5432")
    db: str = os.environ.get("TOPOLOGY_DB", "jiefen_topology")
    ports: list[int] = field(
        default_factory=lambda: [int(p) for p in os.environ.get("WEB_PORTS", "8101 8102").split()]
    )
    state: Path = Path(os.environ.get("STATE", str(ROOT / "var" / "topology")))
    src: Path = Path(os.environ.get("JIEFEN_SRC", str(ROOT)))

    @property
    def database_url(self) -> str:
        return f"{self.pgurl}/{self.db}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            JIEFEN_VAR=str(self.state / "var"),
            PYTHONPATH=str(self.src),
            DJANGO_SETTINGS_MODULE="jiefen.settings",
            LOG_LEVEL="WARNING",
        )
        return env

    def jiefen(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PY, "-m", "jiefen", *args],
            cwd=self.src,
            env=self.env(),
            capture_output=True,
            text=True,
            check=check,
        )

    def script(self, *args: str) -> str:
        env = self.env()
        env.update(STATE=str(self.state), JIEFEN_SRC=str(self.src), PGURL=self.pgurl)
        env["TOPOLOGY_DB"] = self.db
        env["WEB_PORTS"] = " ".join(str(p) for p in self.ports)
        done = subprocess.run(
            ["bash", str(ROOT / "deploy" / "topology.sh"), *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def pid(self, name: str) -> int | None:
        path = self.state / "pids" / f"{name}.pid"
        try:
            pid = int(path.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def children(self, pid: int) -> list[int]:
        path = Path(f"/proc/{pid}/task/{pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.database_url, autocommit=True)

    def require_running(self) -> None:
        for port in self.ports:
            status, _ = request(port, "GET", "/healthz/ready", timeout=5)
            if status != 200:
                sys.exit(
                    f"the app on port {port} is not ready (status {status}); "
                    "start the topology with deploy/topology.sh start"
                )


def rss_kib(pid: int) -> int:
    """Resident memory of one process, in KiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def request(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15,
) -> tuple[int, Any]:
    """One HTTP request to 127.0.0.1:port. A connection-level failure (refused, reset, timed
    out, closed mid-answer) is status 0 with the exception's class name."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    all_headers = {"Accept": "application/json", "Accept-Language": "zh-hans"}
    if data is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    try:
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as error:
        return 0, type(error).__name__
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, raw[:200].decode("utf-8", "replace")


def clerk_body(topology: Topology, username: str = "clerk") -> tuple[int, int]:
    """The village group (body id, region code) where the demo's clerk works."""
    with topology.connect() as conn:
        row = conn.execute(
            "SELECT b.id, b.region_id FROM org_membership m "
            "JOIN org_body b ON b.id = m.body_id JOIN accounts_user u ON u.id = m.user_id "
            "WHERE u.username = %s AND m.role = 'clerk' ORDER BY b.id LIMIT 1",
            [username],
        ).fetchone()
    if row is None:
        sys.exit(f"no body for {username}: load the demo (jiefen demo)")
    return int(row[0]), int(row[1])


def api_token(topology: Topology, name: str, username: str = "clerk") -> tuple[str, int, int]:
    """A new API token for the demo clerk at their village group: (token, body, region)."""
    body, region = clerk_body(topology, username)
    done = topology.jiefen("tokens", "create", username, str(body), name)
    return done.stdout.strip(), body, region


def audit_verify(topology: Topology) -> tuple[bool | None, str]:
    """Run `jiefen audit verify` if the audit app provides it: (passed, output); passed is
    None when there is no such command."""
    probe = topology.jiefen("help", "audit", check=False)
    if probe.returncode != 0 or "verify" not in probe.stdout + probe.stderr:
        return None, "jiefen audit verify: not available"
    done = topology.jiefen("audit", "verify", check=False)
    return done.returncode == 0, (done.stdout + done.stderr).strip()[-2000:]


def dispute_payload(title: str, region: int) -> dict[str, Any]:
    return {
        "category": "neighbourhood",
        "channel": "walk_in",
        "region": region,
        "title": title,
        "description": "相邻两户因排水沟堵塞引发争执，申请调解。",
        "people_involved": 2,
        "parties": [
            {"side": "applicant", "name": "王某", "phone": f"139{random.randrange(10**8):08d}"},
            {"side": "respondent", "name": "李某"},
        ],
    }


def kill(pid: int, sig: int = signal.SIGKILL) -> bool:
    try:
        os.kill(pid, sig)
    except OSError:
        return False
    return True


def elapsed(started: float) -> str:
    return f"{time.monotonic() - started:.1f}s"


def have(tool: str) -> bool:
    return shutil.which(tool) is not None
