"""A village clerk registers and transfers a dispute; the town head receives it — in Chromium."""

import pytest

from jiefen.conftest import open_menu, sign_in
from jiefen.disputes.models import Dispute, Status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_it_takes_a_dispute_from_village_registration_to_the_town(
    live_server, phone_page, world, village_clerk, town_head
):
    page = phone_page
    sign_in(page, live_server, "clerk_fengyi")
    page.click("text=登记纠纷")
    page.select_option("select[name=category]", label="邻里纠纷")
    page.select_option("select[name=channel]", value="walk_in")
    page.fill("input[name=title]", "院墙边界争议")
    page.fill("textarea[name=description]", "两户因院墙位置发生争执，涉及邻村土地。")
    page.check("input[name=complex]")
    page.fill("input[name=parties-0-name]", "张三")
    page.fill("input[name=parties-0-phone]", "13812345678")
    page.fill("input[name=parties-1-name]", "李四")
    page.click("button.primary:has-text('登记')")
    page.wait_for_selector("text=已登记，编号")
    dispute = Dispute.objects.get()
    assert dispute.holder == world.bodies["枫一社区"]
    assert "138****5678" in page.content() and "13812345678" not in page.content()

    page.click("#action-transfer summary")
    page.fill("#action-transfer textarea[name=reason]", "涉及邻村土地，村里无法协调")
    page.click("#action-transfer button[type=submit]")
    page.wait_for_selector("text=已移送上级")
    assert page.inner_text("#status") == "移送中"

    open_menu(page)
    page.click("text=退出")
    sign_in(page, live_server, "head_fengqiao")
    page.wait_for_selector("text=待接收的移送")
    page.click(f"text={dispute.number}")
    page.click("#action-receive summary")
    page.click("#action-receive button[type=submit]")
    page.wait_for_selector("text=已接收移送")
    assert "枫桥镇" in page.inner_text("#holder")

    dispute.refresh_from_db()
    assert dispute.status == Status.ACCEPTED
    assert dispute.holder == world.bodies["枫桥镇"]
    assert list(dispute.events.values_list("action", flat=True)) == [
        "register",
        "transfer",
        "receive",
    ]
