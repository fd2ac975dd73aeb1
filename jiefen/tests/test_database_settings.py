"""The database settings read from DATABASE_URL."""

import os
import subprocess
import sys

PROBE = (
    "from django.conf import settings; import django; django.setup(); "
    "d = settings.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
)


def _settings_with(url: str) -> list[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jiefen.settings", "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.split()


def test_it_keeps_a_postgresql_connection_for_a_minute_with_a_health_check():
    # Not a new server process and cold catalogue per request.
    assert _settings_with("postgres://jiefen@db.example:5432/jiefen") == ["60", "True"]


def test_it_opens_sqlite_per_request():
    assert _settings_with("sqlite:////tmp/jiefen-settings-probe.sqlite3") == ["0", "False"]
