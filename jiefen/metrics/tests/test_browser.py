"""A town head opens the KPI dashboard on a phone and drills down to a village — in Chromium."""

import pytest

from jiefen.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_opens_the_dashboard_and_drills_down_to_a_village(
    seeded, live_server, phone_page, march, town_head
):
    page = phone_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, "head_fengqiao")
    page.goto(f"{live_server.url}/metrics/?period=month&on=2026-03-01")
    assert page.inner_text("#board-title") == "枫桥镇 · 考核统计"
    assert page.inner_text("#period-label") == "2026年3月"
    assert page.inner_text("#tile-success_rate .value") == "75.0%"
    page.wait_for_selector("#trend-chart.drawn canvas")  # ECharts drew the trend

    page.click("#tile-success_rate summary")
    assert "÷" in page.inner_text("#tile-success_rate details")

    page.click("#ranked >> text=枫一社区")
    page.wait_for_selector("#board-title:has-text('枫一社区')")
    assert page.inner_text("#period-label") == "2026年3月"  # the period is kept
    assert page.inner_text("#tile-mediation_rate .value") == "100.0%"
    assert page.locator("#ranked").count() == 0  # a village has no sub-units

    page.click(".trail >> text=枫桥镇")
    page.wait_for_selector("#board-title:has-text('枫桥镇')")
    page.select_option("select[name=period]", "year")
    page.click(".period-picker button[type=submit]")
    page.wait_for_selector("#period-label:has-text('2026年')")
    assert errors == []
