"""Backing up the database to a file and restoring a file into another database.

PostgreSQL: `pg_dump -Fc` and `pg_restore` (the client tools must be on PATH, of the server's
major version or newer). SQLite: the sqlite3 online backup API, which copies a consistent
snapshot while the application keeps writing.

A restore goes into a database named by the caller, never silently over one that holds
tables: the caller must say `force`. Databases are described by Django's settings dicts
(`settings.DATABASES[...]`, or `dj_database_url.parse(...)`).

Parties' phone and ID numbers are encrypted with FIELD_ENCRYPTION_KEY; a backup is only
readable with that key, which must be kept (separately) with the backups.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for people."""


def engine_of(db: Mapping[str, Any]) -> str:
    engine = db["ENGINE"]
    if "sqlite3" in engine:
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(_("不支持的数据库类型：%(engine)s") % {"engine": engine})


def target_config(current: Mapping[str, Any], target: str) -> dict[str, Any]:
    """The settings dict for a restore target: a DATABASE_URL, or a bare name meaning a
    database of the same kind as `current` (another database on the same PostgreSQL server,
    or another SQLite file)."""
    import dj_database_url

    if "://" in target:
        return dict(dj_database_url.parse(target))
    config = dict(current)
    config["NAME"] = target if engine_of(current) == "postgresql" else str(Path(target).resolve())
    return config


def same_database(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    if engine_of(a) == "sqlite" and engine_of(b) == "sqlite":
        return Path(str(a["NAME"])).resolve() == Path(str(b["NAME"])).resolve()
    return all(str(a.get(k) or "") == str(b.get(k) or "") for k in keys)


# --- PostgreSQL --------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _("找不到 %(tool)s；请安装 PostgreSQL 客户端工具（如 postgresql-client）")
            % {"tool": name}
        )
    return found


def _pg_args(db: Mapping[str, Any]) -> list[str]:
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args


def _pg_env(db: Mapping[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _pg_connect(db: Mapping[str, Any], name: str | None = None) -> Any:
    import psycopg

    return psycopg.connect(
        dbname=name or db["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
        connect_timeout=10,
    )


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BackupError(
            _("%(tool)s 失败：%(detail)s")
            % {"tool": Path(command[0]).name, "detail": " / ".join(detail)}
        )


def _pg_exists(db: Mapping[str, Any]) -> bool:
    with closing(_pg_connect(db, "postgres")) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
            is not None
        )


# --- checks ------------------------------------------------------------------------------------


def database_empty(db: Mapping[str, Any]) -> bool:
    """True if the database does not exist yet or holds no tables."""
    if engine_of(db) == "sqlite":
        path = Path(str(db["NAME"]))
        if not path.exists() or path.stat().st_size == 0:
            return True
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            return (
                conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1").fetchone()
                is None
            )
    if not _pg_exists(db):
        return True
    with closing(_pg_connect(db)) as conn:
        row = conn.execute(
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') LIMIT 1"
        ).fetchone()
    return row is None


def table_counts(db: Mapping[str, Any]) -> dict[str, int]:
    """The number of rows of every table, by name. For drills and checks, not requests."""
    counts: dict[str, int] = {}
    if engine_of(db) == "sqlite":
        with closing(sqlite3.connect(f"file:{db['NAME']}?mode=ro", uri=True)) as conn:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            for name in names:
                quoted = '"' + name.replace('"', '""') + '"'
                counts[name] = conn.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0]
        return counts
    from psycopg import sql

    with closing(_pg_connect(db)) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
        for schema, name in tables:
            query = sql.SQL("SELECT COUNT(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(name)
            )
            key = name if schema == "public" else f"{schema}.{name}"
            counts[key] = conn.execute(query).fetchone()[0]
    return counts


# --- backup ------------------------------------------------------------------------------------


def backup_create(*, db: Mapping[str, Any], path: Path, force: bool = False) -> Path:
    """Write a backup of `db` to `path`. The file appears only when complete."""
    path = Path(path)
    if path.exists() and not force:
        raise BackupError(_("备份文件已存在：%(path)s（使用 --force 覆盖）") % {"path": path})
    if not path.parent.is_dir():
        raise BackupError(_("目录不存在：%(path)s") % {"path": path.parent})
    kind = engine_of(db)
    fd, partial_name = tempfile.mkstemp(prefix=".backup-", dir=path.parent)
    os.close(fd)
    partial = Path(partial_name)
    try:
        if kind == "sqlite":
            source = Path(str(db["NAME"]))
            if not source.exists():
                raise BackupError(_("数据库文件不存在：%(path)s") % {"path": source})
            with (
                closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
                closing(sqlite3.connect(partial)) as dst,
            ):
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
        else:
            command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
            command += [*_pg_args(db), "--file", str(partial), "--dbname", str(db["NAME"])]
            _run(command, _pg_env(db))
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _kind_of_file(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as error:
        raise BackupError(_("无法读取备份文件：%(error)s") % {"error": error.strerror}) from None
    if head.startswith(PG_MAGIC):
        return "postgresql"
    if head == SQLITE_MAGIC:
        return "sqlite"
    raise BackupError(_("不是 jiefen 备份文件：%(path)s") % {"path": path})


def backup_restore(
    *,
    path: Path,
    target: Mapping[str, Any],
    current: Mapping[str, Any] | None = None,
    force: bool = False,
) -> None:
    """Restore the backup at `path` into `target`, creating it if needed. A target that holds
    tables is refused unless `force`; the database in use (`current`) even with it."""
    path = Path(path)
    kind = engine_of(target)
    if not path.is_file():
        raise BackupError(_("备份文件不存在：%(path)s") % {"path": path})
    found = _kind_of_file(path)
    if found != kind:
        raise BackupError(
            _("备份文件是 %(found)s 格式，目标数据库是 %(kind)s") % {"found": found, "kind": kind}
        )
    if current is not None and same_database(current, target):
        raise BackupError(_("不能恢复到正在使用的数据库；请恢复到新数据库，核对后再切换"))
    if not database_empty(target) and not force:
        raise BackupError(
            _("目标数据库 %(name)s 不是空的；确认要覆盖请加 --force") % {"name": target["NAME"]}
        )
    if kind == "sqlite":
        _sqlite_restore(path, Path(str(target["NAME"])))
    else:
        _pg_restore(path, target)


def _sqlite_restore(path: Path, target: Path) -> None:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as src:
        try:
            result = src.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(_("备份文件已损坏：%(error)s") % {"error": error}) from None
        if result != "ok":
            raise BackupError(_("备份文件已损坏：%(error)s") % {"error": result})
        if not target.parent.is_dir():
            raise BackupError(_("目录不存在：%(path)s") % {"path": target.parent})
        with closing(sqlite3.connect(target)) as dst:
            # The backup API replaces every page of the target in one step.
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")


def _pg_restore(path: Path, target: Mapping[str, Any]) -> None:
    from psycopg import sql

    name = str(target["NAME"])
    if not _pg_exists(target):
        with closing(_pg_connect(target, "postgres")) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    else:
        # Only reached with force: start from an empty public schema, so that nothing of the
        # old contents survives next to the restored tables.
        with closing(_pg_connect(target)) as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
    command = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
    command += ["--single-transaction"]
    command += [*_pg_args(target), "--dbname", name, str(path)]
    _run(command, _pg_env(target))
