"""A clerk registers a dispute for a party who already has one, links it, and finds both by the
party's phone — in Chromium, on a phone and on a desktop."""

import os
import tempfile

import pytest

from jiefen.conftest import sign_in
from jiefen.disputes.services import PartyInput
from jiefen.search.models import DisputeLink
from jiefen.search.tests.conftest import register

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = os.environ.get("JIEFEN_SHOTS") or os.path.join(tempfile.gettempdir(), "jiefen-shots")
ZHANG = "13905751234"


@pytest.mark.parametrize("size", [(390, 844), (1366, 900)])
def test_a_clerk_registers_a_repeat_visit_and_links_it(
    live_server, chromium, world, village_clerk, size
):
    earlier = register(
        world,
        village_clerk,
        title="拖欠工资纠纷",
        description="包工头拖欠工资三个月。",
        parties=[PartyInput(side="applicant", name="张三丰", phone=ZHANG)],
    )
    width, height = size
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, "clerk_fengyi")
        page.click("text=登记纠纷")
        page.select_option("select[name=category]", label="劳动争议纠纷")
        page.select_option("select[name=channel]", value="walk_in")
        page.fill("input[name=title]", "工资仍未支付")
        page.fill("textarea[name=description]", "张三丰再次来访，包工头仍未支付工资。")
        page.fill("input[name=parties-0-name]", "张三丰")
        page.fill("input[name=parties-0-phone]", ZHANG)
        page.fill("input[name=parties-1-name]", "王包工")
        page.click("button.primary:has-text('登记')")
        page.wait_for_selector("text=可能是同一件或相关的纠纷")
        assert earlier.number in page.inner_text(".related-intake")
        assert "同一当事人" in page.inner_text(".related-intake")
        page.screenshot(path=f"{SHOTS}/intake-{width}.png", full_page=True)

        page.click(f"button[value='link:{earlier.pk}']")
        page.wait_for_selector("text=已登记，编号")
        page.wait_for_selector(f"#related >> text={earlier.number}")
        page.screenshot(path=f"{SHOTS}/linked-{width}.png", full_page=True)
        link = DisputeLink.objects.get()
        assert link.target == earlier and link.reasons == ["same_party"]

        page.goto(f"{live_server.url}/")
        page.fill("#queue-q", ZHANG)
        page.click(".search-box button")
        page.wait_for_selector(f"text={earlier.number}")
        content = page.content()
        assert ZHANG not in content.replace(page.url, "")
        assert page.input_value("input[name=q]") == "139****1234"
        assert link.source.number in content
        page.screenshot(path=f"{SHOTS}/phone-search-{width}.png", full_page=True)

        page.fill("input[name=q]", "工资")  # the list's box, above the folded filters
        page.click(".search-box button[form=filter-form]")
        page.wait_for_selector("mark")
        page.screenshot(path=f"{SHOTS}/word-search-{width}.png", full_page=True)
    finally:
        context.close()
