"""Parties' phone and ID numbers are encrypted at rest: a copy of the whole database — its raw
bytes, `jiefen dumpdata`, the cache, the sessions, the task results — and the logs hold none of
them in plain text, in any common encoding.

Names are not encrypted, by decision: staff find, sort and print disputes by the parties' names
(lists, agreements, circulars); a name alone does not single out a person the way an ID or phone
number does; names are kept to the jurisdiction, masked on the public portal and replaced by a
label when the retention period ends (see retention.py).
"""

import base64
import json
import logging
import os
import pickle
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import serializers
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from jiefen.disputes.models import Party
from jiefen.privacy.tests.conftest import PHONE, RESIDENT_ID

OTHERS = ["13600001111", "13700002222"]


def encodings(value: str) -> dict[str, bytes]:
    """The forms a number could take in a file: text in the usual encodings, spaced and dashed
    like people write it, hex, base64 at any alignment, JSON escapes, a big-endian integer."""
    raw = value.encode("ascii")
    forms = {
        "utf-8": raw,
        "utf-16-le": value.encode("utf-16-le"),
        "utf-16-be": value.encode("utf-16-be"),
        "utf-32-le": value.encode("utf-32-le"),
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
        "json-escaped": "".join(f"\\u{ord(c):04x}" for c in value).encode(),
        "spaced": " ".join([value[:3], value[3:7], value[7:]]).encode(),
        "dashed": "-".join([value[:3], value[3:7], value[7:]]).encode(),
    }
    for shift in range(3):
        # Inside a longer base64 text the number may start at any of three bit offsets; keep the
        # characters that depend on the number alone.
        for name, encode in (("b64", base64.b64encode), ("b64url", base64.urlsafe_b64encode)):
            text = encode(b"\0" * shift + raw).rstrip(b"=")
            start = {0: 0, 1: 2, 2: 3}[shift]
            forms[f"{name}+{shift}"] = text[start:-1]
    if value.isdigit():
        number = int(value)
        forms["int64-be"] = number.to_bytes(8, "big")
        forms["int64-le"] = number.to_bytes(8, "little")
        forms["int48-be"] = number.to_bytes(6, "big") if number < 2**48 else raw
    return forms


def leaks(blob: bytes, values: list[str]) -> list[str]:
    return [
        f"{value} as {name}"
        for value in values
        for name, form in encodings(value).items()
        if form and form in blob
    ]


def database_bytes() -> bytes:
    """The whole database as stored."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():  # type: ignore[attr-defined]  # SQLite's
            return connection.connection.serialize()  # every page, free ones too
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        path = Path(connection.settings_dict["NAME"])
        files = [path, Path(f"{path}-wal"), Path(f"{path}-journal")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    if connection.vendor == "postgresql":
        return _pg_dump() or _pg_copy()
    pytest.skip(f"no raw dump for {connection.vendor}")


def _pg_dump() -> bytes | None:
    if not shutil.which("pg_dump"):
        return None
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    command = ["pg_dump", "--no-owner", "-d", db["NAME"]]
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if db.get(key):
            command += [flag, str(db[key])]
    done = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
    return done.stdout if done.returncode == 0 else None  # e.g. a server newer than pg_dump


def _pg_copy() -> bytes:
    out = b""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            with cursor.copy(f"COPY {connection.ops.quote_name(table)} TO STDOUT") as copy:
                for chunk in copy:
                    out += bytes(chunk)
    return out


def rows_of(table_word: str) -> bytes:
    """Every row of every table whose name contains `table_word`, as text."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table_word in table:
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
                out += [repr(row) for row in cursor.fetchall()]
    return "\n".join(out).encode()


def cache_contents() -> bytes:
    """The cache's values decoded: the database cache's rows (base64 of a pickle), or the
    disk cache's entries and the bytes of its files."""
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    backend = caches["default"]
    out = b""
    if isinstance(backend, DatabaseCache):
        table = connection.ops.quote_name(settings.CACHES["default"]["LOCATION"])
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT cache_key, value FROM {table}")
            for key, value in cursor.fetchall():
                pickled = base64.b64decode(value)
                out += key.encode() + pickled + repr(pickle.loads(pickled)).encode()
        return out
    store = backend._cache  # type: ignore[attr-defined]  # diskcache.FanoutCache
    for key in store:
        out += repr(key).encode() + repr(store.get(key)).encode()
    for path in Path(backend.directory).rglob("*"):  # type: ignore[attr-defined]
        if path.is_file():
            out += path.read_bytes()
    return out


@pytest.mark.django_db(transaction=True)
def test_no_phone_or_id_number_is_stored_in_plain_text(client, her_disputes, village_clerk, caplog):
    caplog.set_level(logging.DEBUG)
    one = her_disputes[0]
    her = Party.objects.get(dispute=one, side="applicant")
    # What a day's work does with the numbers: reveal one on screen, answer a subject-access
    # request and export it — none of which may leave the number anywhere.
    client.force_login(village_clerk)
    shown = client.post(
        reverse("disputes:reveal", args=[one.pk, her.pk, "id_number"]), {"reason": "核实身份"}
    )
    assert RESIDENT_ID in shown.content.decode()
    client.post("/privacy/access/", {"key": PHONE, "reason": "本人申请"})
    exported = client.post(reverse("privacy:access_export"), {"fmt": "json"})
    assert PHONE in exported.content.decode()
    values = [PHONE, RESIDENT_ID, *OTHERS]

    stored = database_bytes()
    assert leaks(stored, values) == []
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    assert leaks(dump.getvalue().encode(), values) == []
    # The copies are complete: the names (not encrypted, by decision) are in both.
    assert "周晓燕".encode() in stored and "周晓燕" in dump.getvalue()
    assert leaks(cache_contents(), values) == []
    sessions = repr([s.get_decoded() for s in Session.objects.all()]).encode()
    assert leaks(sessions, values) == []
    assert leaks(rows_of("task"), values) == []
    logged = "\n".join([caplog.text, *(repr(r.__dict__) for r in caplog.records)]).encode()
    assert leaks(logged, values) == []

    # The checks can fail: the numbers are there to be found once decrypted.
    assert Party.objects.get(pk=her.pk).id_number == RESIDENT_ID
    assert leaks(json.dumps({"phone": PHONE}).encode(), [PHONE])


def test_a_dump_loads_back_with_the_numbers_decrypted(her_disputes):
    her = Party.objects.filter(dispute=her_disputes[0], side="applicant")
    text = serializers.serialize("json", her)
    assert PHONE not in text and RESIDENT_ID not in text
    (loaded,) = serializers.deserialize("json", text)
    assert loaded.object.phone == PHONE and loaded.object.id_number == RESIDENT_ID
    Party.objects.filter(pk=loaded.object.pk).update(phone=None)
    loaded.save()
    assert Party.objects.get(pk=loaded.object.pk).phone == PHONE
