"""Second factor: who must have one, enrolment, codes at sign-in, recovery codes, removal."""

import re

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiefen.accounts.security import second_factor_required
from jiefen.accounts.testing import totp_now
from jiefen.accounts.tests.conftest import enrolled, password_step


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_administrators_and_leaders_must_have_a_second_factor(
    administrator, leader, village_clerk, town_head, outsider
):
    assert second_factor_required(administrator)
    assert second_factor_required(leader)
    assert not second_factor_required(village_clerk)
    assert not second_factor_required(town_head)
    outsider.is_staff = True
    assert second_factor_required(outsider)


def test_it_sends_an_administrator_without_a_device_to_enrol_before_any_page(client, administrator):
    password_step(client, "admin_sx")
    for url in ("/", "/metrics/", "/admin/", "/account/two-factor/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/two-factor/enrol/"), url
    page = client.get("/account/two-factor/enrol/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()


def test_enrolment_confirms_with_a_code_and_shows_ten_recovery_codes_once(client, leader):
    password_step(client, "leader_zhuji")
    page = client.get("/account/two-factor/enrol/").content.decode()
    secret = re.search(r'id="secret">([A-Z2-7 ]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=leader, confirmed=False)
    assert secret.replace(" ", "") in device.config_url

    refused = client.post("/account/two-factor/enrol/", {"code": "000000"})
    assert "验证码不正确" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    device.throttling_failure_count = 0
    device.save()
    response = client.post("/account/two-factor/enrol/", {"code": totp_now(device)})
    assert response.status_code == 302
    codes_page = client.get(response["Location"]).content.decode()
    shown = re.findall(r'<code class="num">([a-z2-7]{8})</code>', codes_page)
    assert len(shown) == 10
    assert set(shown) == set(
        StaticToken.objects.filter(device__user=leader).values_list("token", flat=True)
    )
    # Shown once.
    assert client.get("/account/two-factor/codes/").status_code == 302
    # Now verified: pages open.
    assert _signed_in(client)


def test_it_asks_for_the_code_after_the_password_and_accepts_the_current_one(client, administrator):
    device = enrolled(administrator)
    response = password_step(client, "admin_sx", next_url="/metrics/")
    assert response["Location"].startswith("/login/verify/")
    assert "_auth_user_id" not in client.session  # not signed in between the steps
    assert client.get("/").status_code == 302
    response = client.post("/login/verify/", {"code": totp_now(device), "next": "/metrics/"})
    assert response.status_code == 302
    assert response["Location"] == "/metrics/"
    assert _signed_in(client)


def test_it_refuses_a_wrong_code(client, administrator):
    enrolled(administrator)
    password_step(client, "admin_sx")
    response = client.post("/login/verify/", {"code": "123456"})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_codes_count_towards_the_lockout(client, administrator):
    enrolled(administrator)
    password_step(client, "admin_sx")
    for _ in range(5):
        response = client.post("/login/verify/", {"code": "123456"})
        TOTPDevice.objects.update(throttling_failure_count=0)
        StaticDevice.objects.update(throttling_failure_count=0)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_six_wrong_codes_in_a_row_lock_the_account_and_the_right_code_then_fails(
    client, administrator
):
    """As documented: five wrong codes lock the account for 15 minutes, even when django-otp's
    own pause after a wrong code answers first (a refused attempt counts either way)."""
    device = enrolled(administrator)
    password_step(client, "admin_sx")
    answers = [client.post("/login/verify/", {"code": "123456"}).status_code for _ in range(6)]
    assert answers[:4] == [200, 200, 200, 200]
    assert answers[4] == 429
    assert answers[5] == 302  # the lockout ended the code step: back to the password
    client.post("/login/verify/", {"code": totp_now(device)})
    assert "_auth_user_id" not in client.session
    # The right password is refused for the cool-off too, and so the right code never comes.
    assert password_step(client, "admin_sx").status_code == 429
    assert client.post("/login/verify/", {"code": totp_now(device)}).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_works_once(client, administrator):
    device = enrolled(administrator)
    code = device.recovery_codes[0]
    password_step(client, "admin_sx")
    response = client.post("/login/verify/", {"code": code.upper()})
    assert response.status_code == 302
    assert _signed_in(client)
    assert StaticToken.objects.filter(device__user=administrator).count() == 9

    client.post("/logout/")
    password_step(client, "admin_sx")
    response = client.post("/login/verify/", {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_code_step_expires_after_five_minutes(client, administrator):
    device = enrolled(administrator)
    password_step(client, "admin_sx")
    session = client.session
    session["jiefen_2fa_pending"]["since"] -= 6 * 60
    session.save()
    response = client.post("/login/verify/", {"code": totp_now(device)})
    assert response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_the_second_factor_is_optional_for_a_village_clerk(client, village_clerk):
    password_step(client, "clerk_fengyi")
    assert _signed_in(client)
    page = client.get("/account/two-factor/")
    assert "启用两步验证" in page.content.decode()


def test_a_village_clerk_who_enrolled_is_asked_for_the_code(client, village_clerk):
    device = enrolled(village_clerk)
    response = password_step(client, "clerk_fengyi")
    assert response["Location"].startswith("/login/verify/")
    client.post("/login/verify/", {"code": totp_now(device)})
    assert _signed_in(client)


def test_removing_the_second_factor_needs_a_code(client, village_clerk):
    device = enrolled(village_clerk)
    password_step(client, "clerk_fengyi")
    client.post("/login/verify/", {"code": totp_now(device)})

    response = client.post("/account/two-factor/", {"action": "remove", "code": "999999"})
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=village_clerk).exists()

    StaticDevice.objects.update(throttling_failure_count=0)
    TOTPDevice.objects.update(throttling_failure_count=0)
    code = device.recovery_codes[1]
    response = client.post("/account/two-factor/", {"action": "remove", "code": code})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=village_clerk).exists()
    assert not StaticDevice.objects.filter(user=village_clerk).exists()
    assert _signed_in(client)


def test_an_administrator_who_removes_the_device_must_set_up_a_new_one(client, administrator):
    device = enrolled(administrator)
    password_step(client, "admin_sx")
    client.post("/login/verify/", {"code": device.recovery_codes[0]})
    response = client.post(
        "/account/two-factor/", {"action": "remove", "code": device.recovery_codes[1]}
    )
    assert response["Location"] == "/account/two-factor/enrol/"
    assert client.get("/").status_code == 302


def test_renewing_recovery_codes_voids_the_old_ones(client, village_clerk):
    device = enrolled(village_clerk)
    password_step(client, "clerk_fengyi")
    client.post("/login/verify/", {"code": device.recovery_codes[0]})
    response = client.post(
        "/account/two-factor/", {"action": "renew", "code": device.recovery_codes[1]}
    )
    assert response["Location"] == "/account/two-factor/codes/"
    new = set(
        StaticToken.objects.filter(device__user=village_clerk).values_list("token", flat=True)
    )
    assert len(new) == 10
    assert not new & set(device.recovery_codes)


def test_an_administrator_resets_a_lost_device_in_the_admin(client, village_clerk, world):
    from jiefen.accounts.models import User

    enrolled(village_clerk)
    boss = User.objects.create_superuser("root", password="correct horse 9")
    client.force_login(boss)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [village_clerk.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=village_clerk).exists()
    assert not StaticDevice.objects.filter(user=village_clerk).exists()


def test_the_admin_sign_in_goes_through_the_two_step_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/admin/"


def test_an_unverified_session_of_an_enrolled_user_is_sent_to_the_code_step(client, village_clerk):
    """A session signed in without the second step (by any other path) still must verify."""
    from django.contrib.auth import SESSION_KEY

    enrolled(village_clerk)
    password_step(client, "clerk_fengyi")  # stops before the code
    session = client.session
    session[SESSION_KEY] = str(village_clerk.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = village_clerk.get_session_auth_hash()
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/verify/")
