"""Backup drill: back up a live database, restore it into a new one, compare every table.

PostgreSQL (default): the topology's database (deploy/topology.sh start), backed up with
`jiefen backup` while its app and task workers keep running, restored with `jiefen restore`
into a new database that is dropped afterwards (--keep to keep it). SQLite (--sqlite): a new
database file is migrated and loaded with the demo first, then the same.

Every table of the copy must have the rows the source had. The source may change during the
backup (task workers, the sweep), so each table is counted before and after: the copy's count
must be the source's when it did not change, and between the two when it did. If the audit
app provides `jiefen audit verify`, it is run on the restored copy and must pass.

    .venv/bin/python bench/drill_backup.py            # PostgreSQL topology
    .venv/bin/python bench/drill_backup.py --sqlite   # SQLite, in a temporary folder

Exits non-zero on failure.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from drill_common import PY, Topology, audit_verify

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def counts(url: str) -> dict[str, int]:
    import dj_database_url

    from jiefen.ops.backup import table_counts

    return table_counts(dj_database_url.parse(url))


def run(env: dict[str, str], src: Path, *args: str) -> str:
    done = subprocess.run(
        [PY, "-m", "jiefen", *args], cwd=src, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"jiefen {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="drill on a new SQLite database")
    parser.add_argument("--disputes", type=int, default=500, help="demo disputes (SQLite)")
    parser.add_argument("--keep", action="store_true", help="keep the restored copy")
    args = parser.parse_args()
    topology = Topology()
    tag = uuid.uuid4().hex[:8]
    folder = Path(tempfile.mkdtemp(prefix="jiefen-drill-backup-"))
    env = topology.env()
    if args.sqlite:
        source_url = f"sqlite:///{folder / 'source.sqlite3'}"
        target, target_url = (
            str(folder / "restored.sqlite3"),
            f"sqlite:///{folder}/restored.sqlite3",
        )
        env.update(DATABASE_URL=source_url, JIEFEN_VAR=str(folder / "var"))
        t = time.monotonic()
        run(env, topology.src, "migrate", "--verbosity", "0")
        run(env, topology.src, "createcachetable")
        run(env, topology.src, "demo", "--disputes", str(args.disputes))
        print(f"source: new SQLite database with the demo ({time.monotonic() - t:.0f}s)")
    else:
        topology.require_running()
        source_url = topology.database_url
        target = f"{topology.db}_restore_{tag}"
        target_url = f"{topology.pgurl}/{target}"
    backup = folder / "jiefen.backup"

    before = counts(source_url)
    t = time.monotonic()
    run(env, topology.src, "backup", str(backup))
    took_backup = time.monotonic() - t
    after = counts(source_url)
    t = time.monotonic()
    run(env, topology.src, "restore", str(backup), target)
    took_restore = time.monotonic() - t
    restored = counts(target_url)

    problems = []
    for table in sorted(set(before) | set(after) | set(restored)):
        low, high = sorted((before.get(table, -1), after.get(table, -1)))
        got = restored.get(table)
        if got is None:
            problems.append(f"{table}: missing from the copy")
        elif not low <= got <= high:
            problems.append(f"{table}: {got} rows in the copy, source had {low}–{high}")
    refused = subprocess.run(
        [PY, "-m", "jiefen", "restore", str(backup), target],
        cwd=topology.src,
        env=env,
        capture_output=True,
        text=True,
    )
    if refused.returncode == 0:
        problems.append("a second restore into the same (now full) database was not refused")
    copy = _Copy(topology, dict(env, DATABASE_URL=target_url))
    audited, output = audit_verify(copy)
    if audited is False:
        problems.append(f"jiefen audit verify failed on the copy: {output}")
    rows = sum(restored.values())
    print(
        f"backup drill ({'SQLite' if args.sqlite else 'PostgreSQL'}): "
        f"{'ok' if not problems else 'FAIL'} — {len(restored)} tables, {rows} rows; "
        f"backup {took_backup:.1f}s ({backup.stat().st_size // 1024} KiB), "
        f"restore {took_restore:.1f}s; second restore refused: {refused.returncode != 0}; "
        f"audit verify: {'passed' if audited else 'not available' if audited is None else 'FAILED'}"
    )
    for problem in problems[:30]:
        print(f"   ✗ {problem}")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
        if not args.sqlite:
            subprocess.run(
                [
                    "psql",
                    f"{topology.pgurl}/postgres",
                    "-qc",
                    f'DROP DATABASE IF EXISTS "{target}"',
                ],
                check=False,
            )
    else:
        print(f"kept: {target_url}")
    return 0 if not problems else 1


class _Copy(Topology):
    """The restored copy, for running commands on it."""

    def __init__(self, base: Topology, env: dict[str, str]) -> None:
        super().__init__(pgurl=base.pgurl, db=base.db, state=base.state, src=base.src)
        self._env = env

    def env(self) -> dict[str, str]:
        return dict(self._env)


if __name__ == "__main__":
    sys.exit(main())
