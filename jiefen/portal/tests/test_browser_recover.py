"""In Chromium on a phone: 王五 lost his query code. The village clerk verified his phone on
the dispute page; he recovers a new query code by SMS (the outbox provider holds the text),
follows his dispute as himself, leaves; then, on another phone, signs in by SMS alone. The
last steps again at desktop size.

Screenshots go to $JIEFEN_SHOTS when it is set (a directory), otherwise to the test's tmp_path.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from jiefen.portal.tests.conftest import file_dispute, sent_code
from jiefen.portal.tests.test_browser_review import shoot
from jiefen.supervision.sms import OutboxSmsProvider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lost(world, settings):
    settings.JIEFEN_SMS_PROVIDER = "jiefen.supervision.sms.OutboxSmsProvider"
    OutboxSmsProvider.outbox.clear()
    dispute, code = file_dispute(world, when=timezone.now() - timedelta(hours=2))
    return dispute, code


def clerk_verifies(page, live_server, dispute, tmp_path, name) -> None:
    from jiefen.conftest import sign_in

    sign_in(page, live_server, "clerk_fengyi")
    page.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    panel = page.locator("#phone-checks")
    assert "手机号码未核实" in panel.inner_text()
    panel.locator("button:has-text('已核实手机号码')").click()
    page.wait_for_selector("#phone-checks .verified")
    assert "已核实手机号码（" in page.inner_text("#phone-checks")
    page.locator("#phone-checks").scroll_into_view_if_needed()
    shoot(page, tmp_path, f"{name}-clerk-verified")


def recover_code(page, live_server, dispute, tmp_path, name) -> str:
    page.goto(f"{live_server.url}/public/follow/")
    page.click("#recover-link")
    page.fill("#recover input[name=number]", dispute.number)
    page.fill("#recover input[name=phone]", "13900001111")
    shoot(page, tmp_path, f"{name}-recover-ask")
    page.click("#recover button.primary")
    page.wait_for_selector("#code-form")
    assert "139****1111" in page.inner_text("#sent")
    # A wrong code first: said beside the field, nothing issued.
    page.fill("input[name=code]", "12")
    page.click("#code-form button.primary")
    page.wait_for_selector("#code-form .error")
    assert "6 位数字" in page.inner_text("#code-form")
    shoot(page, tmp_path, f"{name}-recover-wrong")
    page.fill("input[name=code]", sent_code(OutboxSmsProvider.outbox))
    page.click("#code-form button.primary")
    page.wait_for_selector("#recovered")
    shoot(page, tmp_path, f"{name}-recovered")
    return page.inner_text("#code").strip()


def sign_in_by_sms(page, live_server, dispute, tmp_path, name) -> None:
    page.goto(f"{live_server.url}/public/follow/#sms")
    page.fill("#sms input[name=number]", dispute.number)
    page.fill("#sms input[name=phone]", "139 0000 1111")
    shoot(page, tmp_path, f"{name}-sms-ask")
    page.click("#sms button.primary")
    page.wait_for_selector("#code-form")
    page.fill("input[name=code]", sent_code(OutboxSmsProvider.outbox))
    page.click("#code-form button.primary")
    page.wait_for_selector("#me")
    assert "您已验证为：王五（申请人）" in page.inner_text("#me")
    assert "139****1111" in page.inner_text("#me")
    shoot(page, tmp_path, f"{name}-signed-in")


def test_a_lost_query_code_recovered_by_sms_and_signing_in_by_sms(
    chromium, phone_page, live_server, lost, village_clerk, tmp_path
):
    dispute, old_code = lost
    clerk = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        clerk_verifies(clerk.new_page(), live_server, dispute, tmp_path, "phone")
    finally:
        clerk.close()
    page = phone_page
    new_code = recover_code(page, live_server, dispute, tmp_path, "phone")
    assert re.fullmatch(r"[2-9A-Z]{10}", new_code) and new_code != old_code
    page.click("#go")
    page.wait_for_selector("#timeline")
    assert "您已验证为：王五（申请人）" in page.inner_text("#me")
    shoot(page, tmp_path, "phone-followed-as-wang-wu")
    page.click("#party-forget")
    page.wait_for_selector("#timeline")
    assert page.locator("#me").count() == 0
    # On another phone, the old code is refused; signing in by SMS opens the dispute.
    other = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        second = other.new_page()
        second.goto(f"{live_server.url}/public/follow/")
        second.fill("#by-code input[name=number]", dispute.number)
        second.fill("#by-code input[name=code]", old_code)
        second.click("#by-code button.primary")
        second.wait_for_selector("#by-code .errors")
        sign_in_by_sms(second, live_server, dispute, tmp_path, "phone")
    finally:
        other.close()
    desktop = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        wide = desktop.new_page()
        wide.goto(f"{live_server.url}/public/follow/")
        shoot(wide, tmp_path, "desktop-follow")
        sign_in_by_sms(wide, live_server, dispute, tmp_path, "desktop")
    finally:
        desktop.close()
