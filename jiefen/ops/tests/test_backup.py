import shutil
import sqlite3
import uuid
from contextlib import closing

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from jiefen.ops.backup import BackupError, backup_create, backup_restore, table_counts


def _sqlite(path):
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}


@pytest.fixture
def live_db(tmp_path, monkeypatch):
    """A SQLite database in WAL mode standing in for the one in use, with rows in it."""
    path = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE disputes_dispute (id INTEGER PRIMARY KEY, title TEXT)")
        conn.execute("CREATE TABLE disputes_event (id INTEGER PRIMARY KEY, action TEXT)")
        conn.executemany(
            "INSERT INTO disputes_dispute (title) VALUES (?)",
            [(f"邻里纠纷 {i}",) for i in range(50)],
        )
        conn.executemany("INSERT INTO disputes_event (action) VALUES (?)", [("register",)] * 120)
        conn.commit()
    monkeypatch.setitem(settings.DATABASES, "default", _sqlite(path))
    return path


def test_it_backs_up_and_restores_every_row(live_db, tmp_path):
    backup = tmp_path / "jiefen.backup"
    restored = tmp_path / "restored.sqlite3"
    call_command("backup", str(backup))
    call_command("restore", str(backup), str(restored))
    assert table_counts(_sqlite(restored)) == {"disputes_dispute": 50, "disputes_event": 120}
    assert table_counts(_sqlite(restored)) == table_counts(_sqlite(live_db))
    with closing(sqlite3.connect(restored)) as conn:
        assert conn.execute("SELECT title FROM disputes_dispute WHERE id = 7").fetchone() == (
            "邻里纠纷 6",
        )


def test_it_includes_writes_not_yet_checkpointed(live_db, tmp_path):
    # A second connection keeps the WAL open, as a running server would.
    with closing(sqlite3.connect(live_db)) as writer:
        writer.execute("INSERT INTO disputes_dispute (title) VALUES ('刚登记的')")
        writer.commit()
        backup_create(db=_sqlite(live_db), path=tmp_path / "b")
    backup_restore(path=tmp_path / "b", target=_sqlite(tmp_path / "r.sqlite3"))
    assert table_counts(_sqlite(tmp_path / "r.sqlite3"))["disputes_dispute"] == 51


def test_restore_refuses_a_database_that_holds_tables(live_db, tmp_path):
    backup = tmp_path / "jiefen.backup"
    call_command("backup", str(backup))
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE keep_me (id INTEGER PRIMARY KEY)")
        conn.execute("INSERT INTO keep_me VALUES (1)")
        conn.commit()
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", str(backup), str(other))
    assert table_counts(_sqlite(other)) == {"keep_me": 1}


def test_restore_overwrites_with_force(live_db, tmp_path):
    backup = tmp_path / "jiefen.backup"
    call_command("backup", str(backup))
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE keep_me (id INTEGER PRIMARY KEY)")
        conn.commit()
    call_command("restore", str(backup), str(other), "--force")
    assert table_counts(_sqlite(other)) == {"disputes_dispute": 50, "disputes_event": 120}


def test_restore_never_writes_over_the_database_in_use(live_db, tmp_path):
    backup = tmp_path / "jiefen.backup"
    call_command("backup", str(backup))
    with pytest.raises(CommandError, match="正在使用"):
        call_command("restore", str(backup), str(live_db), "--force")


def test_backup_refuses_to_overwrite_a_file_without_force(live_db, tmp_path):
    backup = tmp_path / "jiefen.backup"
    backup.write_text("an older backup")
    with pytest.raises(CommandError, match="已存在"):
        call_command("backup", str(backup))
    assert backup.read_text() == "an older backup"
    call_command("backup", str(backup), "--force")
    assert backup.read_bytes().startswith(b"SQLite format 3\x00")


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    with pytest.raises(BackupError, match="不是 jiefen 备份文件"):
        backup_restore(path=junk, target=_sqlite(tmp_path / "r.sqlite3"))
    assert not (tmp_path / "r.sqlite3").exists()


def test_restore_refuses_a_postgresql_dump_into_sqlite(tmp_path):
    dump = tmp_path / "pg.dump"
    dump.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
    with pytest.raises(BackupError, match="postgresql"):
        backup_restore(path=dump, target=_sqlite(tmp_path / "r.sqlite3"))


def test_restore_says_when_the_file_is_missing(tmp_path):
    with pytest.raises(BackupError, match="不存在"):
        backup_restore(path=tmp_path / "nope", target=_sqlite(tmp_path / "r.sqlite3"))


def test_a_bare_target_name_means_a_database_beside_the_one_in_use(tmp_path):
    from jiefen.ops.backup import target_config

    pg = {"ENGINE": "django.db.backends.postgresql", "NAME": "jiefen", "HOST": "db", "PORT": 5432}
    assert target_config(pg, "jiefen_copy") | {"NAME": "jiefen"} == pg
    assert target_config(pg, "jiefen_copy")["NAME"] == "jiefen_copy"
    url = target_config(pg, "postgres://u@elsewhere:5433/other")
    assert (url["HOST"], url["PORT"], url["NAME"]) == ("elsewhere", 5433, "other")
    lite = target_config(_sqlite(tmp_path / "a.sqlite3"), "b.sqlite3")
    assert lite["NAME"].endswith("b.sqlite3")


@pytest.mark.django_db
@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"] or not shutil.which("pg_dump"),
    reason="needs PostgreSQL and its client tools",
)
def test_it_round_trips_a_postgresql_database(tmp_path):
    from django.db import connection

    from jiefen.ops.backup import _pg_connect

    db = dict(connection.settings_dict)
    backup_create(db=db, path=tmp_path / "pg.dump")
    target = dict(db, NAME=f"{db['NAME']}_restore_{uuid.uuid4().hex[:6]}")
    try:
        backup_restore(path=tmp_path / "pg.dump", target=target, current=db)
        assert set(table_counts(target)) == set(table_counts(db))
        with pytest.raises(BackupError, match="不是空的"):
            backup_restore(path=tmp_path / "pg.dump", target=target, current=db)
    finally:
        with closing(_pg_connect(db, "postgres")) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}"')
