"""An auditor filters the audit log by action after a dispute was registered; an administrator
without the auditor role does not find the page — on a phone, in Chromium."""

import pytest

from jiefen.accounts.testing import verified_device
from jiefen.audit.context import Actor, acting
from jiefen.conftest import open_menu, sign_in
from jiefen.disputes.tests.conftest import register

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_an_auditor_filters_by_action_and_an_administrator_without_the_role_is_not_let_in(
    live_server, phone_page, world, village_clerk, auditor, administrator
):
    with acting(Actor(kind="user", user_id=village_clerk.pk, ip="10.9.8.7")):
        dispute = register(world, village_clerk)
    page = phone_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, "auditor_sx")
    open_menu(page)
    page.click("header nav >> text=审计日志")
    page.wait_for_selector("h1:has-text('审计日志')")
    assert "最近记录校验通过" in page.inner_text(".audit-status")
    everything = page.locator(".audit-records li").count()
    assert everything > 1  # the sign-in, the dispute, its event…
    assert page.evaluate(FITS)

    assert page.is_visible("text=用户名；或 system（系统）、public（公众）")  # the actor's hint
    page.fill("input[name=action]", "register")
    page.click("form.filters button:has-text('筛选')")
    page.wait_for_url("**/audit/?*action=register*")
    records = page.locator(".audit-records li")
    assert records.count() == 1
    record = records.inner_text()
    assert "登记" in record and "陈小梅" in record and "10.9.8.7" in record
    assert "办理记录" in record and f"dispute={dispute.pk}" in record  # the dispute's event
    assert page.evaluate(FITS)

    page.fill("input[name=action]", "no-such-action")
    page.click("form.filters button:has-text('筛选')")
    page.wait_for_selector("text=没有审计记录")

    open_menu(page)
    page.click("header >> text=退出")
    page.wait_for_url("**/login/**")
    sign_in(page, live_server, "admin_sx", device=verified_device(administrator))
    assert page.locator("header nav >> text=审计日志").count() == 0
    response = page.goto(f"{live_server.url}/audit/")
    assert response.status == 404
    assert "校验" not in page.content() and "陈小梅" not in page.content()
    assert errors == []
