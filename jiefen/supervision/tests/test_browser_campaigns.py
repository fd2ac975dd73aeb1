"""Clean-up campaigns in Chromium at phone and desktop size: a campaign without a rule comes
back with the error summary and what was typed; an item's owner is changed through its form."""

import os

import pytest

from jiefen.conftest import sign_in
from jiefen.supervision.models import Campaign, CampaignItem
from jiefen.supervision.tests.conftest import at_county
from jiefen.tests.journeys import SIZES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_campaign_and_an_items_owner_through_their_forms(
    live_server, chromium, world, village_clerk, town_head, county_officer, size, tmp_path
):
    from django.utils import timezone

    today = timezone.localdate()
    at_county(world, village_clerk, town_head, county_officer, when=timezone.now())
    shots = os.environ.get("JIEFEN_SHOTS") or str(tmp_path)
    context = chromium.new_context(viewport=SIZES[size], locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, "officer_zhuji")
        page.goto(f"{live_server.url}/supervision/campaigns/")
        page.fill("input[name=name]", "年末积案清理")
        page.fill("input[name=open_days]", "")
        page.fill("input[name=min_transfers]", "")
        page.uncheck("input[name=reopened]")
        page.click("button.primary")
        page.wait_for_selector("#error-summary")
        assert "请至少设定一项清理规则" in page.inner_text("#error-summary")
        assert page.input_value("input[name=name]") == "年末积案清理"
        page.screenshot(path=f"{shots}/campaign-refused-{size}.png")
        assert not Campaign.objects.exists()

        page.fill("input[name=min_transfers]", "1")
        page.click("button.primary")
        page.wait_for_selector("text=已创建集中清理")
        campaign = Campaign.objects.get()
        assert campaign.year == today.year
        item = CampaignItem.objects.get(campaign=campaign)
        page.goto(f"{live_server.url}/supervision/campaigns/{campaign.pk}/items/{item.pk}/")
        page.select_option("select[name=owner]", label=str(town_head))
        page.screenshot(path=f"{shots}/campaign-item-{size}.png", full_page=True)
        page.click("button.primary")
        page.wait_for_selector("text=已调整责任人")
        item.refresh_from_db()
        assert item.owner == town_head
        page.screenshot(path=f"{shots}/campaign-{size}.png", full_page=True)
    finally:
        context.close()
