"""In Chromium on a 390×844 phone: the list opens on its results with the filters folded behind
one control; the place box suggests the reader's villages as they type, and the pick filters."""

import pytest

from jiefen.conftest import sign_in
from jiefen.disputes.tests.conftest import register

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_phone_list_opens_on_results_and_suggests_places_by_name(
    live_server, phone_page, world, village_clerk, town_head, tmp_path
):
    here = register(world, village_clerk)
    register(world, town_head, region="永安社区", body="枫桥镇")
    page = phone_page
    sign_in(page, live_server, "head_fengqiao")
    page.goto(f"{live_server.url}/disputes/")
    first = page.locator("ul.rows li").first.bounding_box()
    assert first is not None and first["y"] < 844  # the first result without scrolling
    assert not page.locator("input[name=region]").is_visible()

    page.click("#filters summary")
    page.locator("input[name=region]").press_sequentially("枫一", delay=50)
    page.locator("#region-options option").first.wait_for(state="attached", timeout=5000)
    offered = page.eval_on_selector_all("#region-options option", "os => os.map(o => o.value)")
    assert offered == ["枫一社区"]
    page.fill("input[name=region]", offered[0])
    page.locator("input[name=region]").press("Enter")
    page.wait_for_url("**region=*")
    assert here.number in page.inner_text("main")
    assert page.locator("ul.rows li").count() == 1
    page.screenshot(path=str(tmp_path / "list-filters-phone.png"))
