"""Content-Security-Policy on every kind of page, no inline script in our templates, and a
production configuration that Django's deployment check finds clean."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import jiefen

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def _policy(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def _assert_strict(response) -> None:  # type: ignore[no-untyped-def]
    policy = _policy(response)
    for directive, value in POLICY.items():
        assert policy[directive] == value, directive
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_staff_pages_carry_the_policy(client, village_clerk):
    client.force_login(village_clerk)
    response = client.get("/")
    assert response.status_code == 200
    _assert_strict(response)


def test_the_sign_in_page_carries_the_policy(client, db):
    _assert_strict(client.get("/login/"))


def test_the_public_portal_carries_the_policy(client, world):
    response = client.get("/public/")
    assert response.status_code == 200
    _assert_strict(response)


def test_the_admin_carries_the_policy(client, administrator):
    administrator.is_staff = True
    administrator.save()
    client.force_login(administrator)
    response = client.get("/admin/")
    assert response.status_code == 200
    _assert_strict(response)


def test_pages_also_forbid_sniffing_and_framing_and_keep_the_referrer(client, db):
    response = client.get("/login/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc\s*=)(?![^>]*type=\"application/json\")[^>]*>", re.I
)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def _templates() -> list[Path]:
    root = Path(jiefen.__file__).parent
    return [p for p in root.rglob("*.html") if "static" not in p.parts]


def test_no_template_has_inline_script_or_event_handlers():
    templates = _templates()
    assert len(templates) > 20
    offenders = [
        str(path)
        for path in templates
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL)
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_template_check_finds_an_inline_script():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert HANDLER.search('<button onclick="go()">')
    assert JS_URL.search('<a href="javascript:go()">')


def _deploy_check(tmp_path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JIEFEN_"))}
    clean.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "jiefen.example.gov.cn",
            "JIEFEN_VAR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "jiefen", "check", "--deploy", "--fail-level", "WARNING"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("switch", ["JIEFEN_PRODUCTION", "JIEFEN_HTTPS"])
def test_the_deploy_check_is_clean_with_production_settings(tmp_path, switch):
    result = _deploy_check(tmp_path, **{switch: "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_complains_without_them(tmp_path):
    result = _deploy_check(tmp_path)
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stdout + result.stderr
