"""An administrator sets up the second factor on first sign-in and signs in with it afterwards
— on a phone, in Chromium. The code is worked out from the secret shown on the page, as an
authenticator app does after the user types it in."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiefen.accounts.security import RECOVERY_CODE_COUNT
from jiefen.conftest import open_menu

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"
STEP = 30
THROTTLE_PAUSE = 1.2  # OTP_*_THROTTLE_FACTOR = 1: one wrong code, one second before the next


def app_code(secret: str, ahead: int = 0) -> str:
    """What the authenticator shows now (or `ahead` steps later) for the secret on the page."""
    key = b32decode("".join(secret.split()))
    return f"{totp(key, step=STEP, t0=-ahead * STEP):06d}"


def away_from_a_step_boundary() -> None:
    """A code typed just before the app's next step is accepted a step late and teaches the
    server a drift; wait for the next step rather than leave the test to that chance."""
    left = STEP - time.time() % STEP
    if left < 3:
        time.sleep(left + 0.1)


def wrong_code(secret: str) -> str:
    """Six digits the server cannot accept: none of the codes within its tolerance."""
    near = {app_code(secret, ahead) for ahead in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in near)


def password_step(page, live_server) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "admin_sx")
    page.fill("input[name=password]", "correct horse 9")
    page.click("button[type=submit]")


def test_an_administrator_enrols_an_authenticator_and_signs_in_with_it(
    live_server, phone_page, administrator
):
    page = phone_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    password_step(page, live_server)
    page.wait_for_url("**/account/two-factor/enrol/**")
    assert page.is_visible("text=您的账号有管理或包案领导职责，必须启用两步验证后才能继续使用。")
    qr = page.locator("figure.qr svg")
    assert qr.is_visible() and "两步验证二维码" in qr.locator("title").text_content()
    box = qr.bounding_box()
    assert box is not None and 100 < box["width"] <= 390
    secret = page.inner_text("#secret")
    assert len("".join(secret.split())) == 32
    assert page.evaluate(FITS)

    page.goto(f"{live_server.url}/disputes/")  # nothing else before the second factor is set
    page.wait_for_url("**/account/two-factor/enrol/**")
    assert page.inner_text("#secret") == secret  # reloading keeps the secret already scanned

    page.fill("input[name=code]", wrong_code(secret))
    page.click("button:has-text('确认启用')")
    page.wait_for_selector("text=验证码不正确，请核对手机时间后输入应用中当前显示的 6 位数字。")
    assert not TOTPDevice.objects.filter(user=administrator, confirmed=True).exists()

    time.sleep(THROTTLE_PAUSE)
    away_from_a_step_boundary()
    page.fill("input[name=code]", app_code(secret))
    page.click("button:has-text('确认启用')")
    page.wait_for_url("**/account/two-factor/codes/**")
    assert page.is_visible("text=两步验证已启用。")
    codes = page.locator("ol.codes li").all_inner_texts()
    assert len(codes) == RECOVERY_CODE_COUNT == len(set(codes))
    assert page.evaluate(FITS)
    page.click("text=我已保存，继续")
    page.wait_for_url(f"{live_server.url}/disputes/")  # the page asked for before enrolment
    open_menu(page)
    assert "钱进" in page.inner_text("header")

    page.click("header >> text=退出")
    page.wait_for_url("**/login/**")
    password_step(page, live_server)
    page.wait_for_url("**/login/verify/**")
    assert page.is_visible("text=请输入手机验证器应用中显示的 6 位验证码。")
    page.fill("input[name=code]", wrong_code(secret))
    page.click("button:has-text('验证')")
    page.wait_for_selector(".error:has-text('验证码不正确。')")
    assert "/login/verify/" in page.url  # still not signed in

    time.sleep(THROTTLE_PAUSE)
    # The code used at enrolment is refused again (no replay); the app's next one is within
    # the one-step tolerance.
    page.fill("input[name=code]", app_code(secret, ahead=1))
    page.click("button:has-text('验证')")
    page.wait_for_url(f"{live_server.url}/")
    open_menu(page)
    assert "钱进" in page.inner_text("header")
    assert page.evaluate(FITS)
    assert errors == []
