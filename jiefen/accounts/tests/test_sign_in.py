"""Sign-in: passwords, lockout after repeated failures, idle expiry."""

from datetime import timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiefen.accounts.tests.conftest import PASSWORD, password_step


def test_it_signs_in_a_village_clerk_with_the_password_alone(client, village_clerk):
    response = password_step(client, "clerk_fengyi")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_it_refuses_a_wrong_password(client, village_clerk):
    response = password_step(client, "clerk_fengyi", "wrong horse 9")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_it_locks_out_a_username_after_five_failures_from_one_address(client, village_clerk):
    for _ in range(4):
        assert password_step(client, "clerk_fengyi", "wrong").status_code == 200
    response = password_step(client, "clerk_fengyi", "wrong")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    # Even the right password is refused during the cool-off …
    response = password_step(client, "clerk_fengyi", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # … but only for that username from that address.
    assert AccessAttempt.objects.filter(username="clerk_fengyi").exists()


def test_the_lockout_does_not_touch_another_username(client, village_clerk, other_village_clerk):
    for _ in range(5):
        password_step(client, "clerk_fengyi", "wrong")
    assert password_step(client, "clerk_yongan").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, village_clerk, settings):
    for _ in range(5):
        password_step(client, "clerk_fengyi", "wrong")
    assert password_step(client, "clerk_fengyi").status_code == 429
    # The last failure was longer ago than the cool-off.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    assert password_step(client, "clerk_fengyi").status_code == 302


def test_the_lockout_page_is_in_english_too(client, village_clerk):
    for _ in range(5):
        response = client.post(
            "/login/",
            {"username": "clerk_fengyi", "password": "wrong"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 429


def test_it_hashes_new_passwords_with_argon2(village_clerk):
    village_clerk.set_password("a new long passphrase 42")
    village_clerk.save()
    assert village_clerk.password.startswith("argon2$")
    assert village_clerk.check_password("a new long passphrase 42")


@pytest.mark.parametrize("password", ["password123", "12345678", "qwertyuiop"])
def test_it_refuses_a_common_password(village_clerk, password):
    with pytest.raises(ValidationError):
        password_validation.validate_password(password, village_clerk)


def test_it_refuses_a_password_like_the_username_or_too_short(village_clerk):
    with pytest.raises(ValidationError):
        password_validation.validate_password("clerk_fengyi1", village_clerk)
    with pytest.raises(ValidationError):
        password_validation.validate_password("k9#x", village_clerk)


def _signed_in_after(client, idle: timedelta) -> bool:
    later = timezone.now() + idle
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = client.get("/")
    return response.status_code == 200


def test_it_signs_out_a_session_idle_for_31_minutes(client, village_clerk):
    password_step(client, "clerk_fengyi")
    assert client.get("/").status_code == 200
    assert not _signed_in_after(client, timedelta(minutes=31))


def test_a_request_within_30_minutes_keeps_the_session_alive(client, village_clerk):
    password_step(client, "clerk_fengyi")
    start = timezone.now()
    for minutes in (20, 40, 60):  # each request pushes the expiry forward
        with mock.patch(
            "django.utils.timezone.now", return_value=start + timedelta(minutes=minutes)
        ):
            assert client.get("/").status_code == 200


def test_it_hashes_with_owasps_argon2id_cost(village_clerk):
    """m = 46 MiB, t = 1, p = 1 (OWASP's first Argon2id configuration); an older hash made
    with Django's default cost still signs in, and is rewritten with this one."""
    village_clerk.set_password("a new long passphrase 42")
    assert "$argon2id$" in village_clerk.password and "m=47104,t=1,p=1" in village_clerk.password


def _session_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_a_page_view_does_not_write_the_session(client, village_clerk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    password_step(client, "clerk_fengyi")
    client.get("/")
    with CaptureQueriesContext(connection) as seen:
        assert client.get("/").status_code == 200
        assert client.get("/disputes/").status_code == 200
    assert _session_writes(seen.captured_queries) == []


def test_it_pushes_the_idle_expiry_forward_at_most_once_a_minute(client, village_clerk):
    from django.contrib.sessions.models import Session

    password_step(client, "clerk_fengyi")
    key = client.cookies["sessionid"].value
    later = timezone.now() + timedelta(minutes=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert client.get("/").status_code == 200
    expiry = Session.objects.get(session_key=key).expire_date
    assert abs((expiry - (later + timedelta(minutes=30))).total_seconds()) < 5


def test_a_touch_the_database_cannot_take_now_does_not_fail_the_page(client, village_clerk):
    """The background work holds the write lock: the page is shown, the touch left for the
    next request (before: "Bad Request (400)", the session "deleted")."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    password_step(client, "clerk_fengyi")
    later = timezone.now() + timedelta(minutes=5)

    def locked(self, must_create=False):
        raise OperationalError("database is locked")

    with (
        mock.patch("django.utils.timezone.now", return_value=later),
        mock.patch.object(SessionStore, "save", locked),
    ):
        response = client.get("/")
    assert response.status_code == 200 and "陈小梅" in response.content.decode()
