"""The registration form tells every problem in one submit — a wrong ID number and phone with
the empty fields — in the summary at the top, what was typed kept; at phone and desktop size."""

import os

import pytest

from jiefen.conftest import sign_in
from jiefen.disputes.models import Dispute
from jiefen.tests.journeys import SIZES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_wrong_id_number_is_said_with_every_other_error_in_one_submit(
    live_server, chromium, world, village_clerk, size, tmp_path
):
    context = chromium.new_context(viewport=SIZES[size], locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    shots = os.environ.get("JIEFEN_SHOTS") or str(tmp_path)
    try:
        sign_in(page, live_server, "clerk_fengyi")
        page.goto(f"{live_server.url}/disputes/new/")
        page.select_option("select[name=category]", label="邻里纠纷")
        page.fill("textarea[name=description]", "两户因院墙位置发生争执。")
        page.fill("input[name=parties-0-name]", "张三")
        page.fill("input[name=parties-0-phone]", "1381234")
        page.fill("input[name=parties-0-id_number]", "330681199001011235")
        page.fill("input[name=parties-1-name]", "李四")
        page.click("button.primary:has-text('登记')")
        page.wait_for_selector("#error-summary")
        summary = page.inner_text("#error-summary")
        assert "事由" in summary and "证件号码不正确" in summary and "联系电话格式不正确" in summary
        assert page.input_value("input[name=parties-0-id_number]") == "330681199001011235"
        page.screenshot(path=f"{shots}/register-errors-{size}.png", full_page=False)
        page.click("#error-summary a:has-text('证件号码')")
        assert page.evaluate("document.activeElement.name") == "parties-0-id_number"
        # Corrected in one go, it registers.
        page.fill("input[name=title]", "院墙边界争议")
        page.fill("input[name=parties-0-phone]", "13812345678")
        page.fill("input[name=parties-0-id_number]", "330681199001011237")
        page.click("button.primary:has-text('登记')")
        page.wait_for_selector("text=已登记，编号")
        assert Dispute.objects.count() == 1
    finally:
        context.close()
