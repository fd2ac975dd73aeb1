"""In Chromium on a phone: a browser past its filings for the hour reads, above the form it
filled in (kept), when it may file again and which village committee and town centre to go
to instead."""

import re

import pytest

from jiefen.portal.tests.test_browser_review import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill(page) -> None:
    page.select_option("select[name=category]", label="劳动争议纠纷")
    page.select_option("select[name=county]", label="绍兴市 诸暨市")
    page.wait_for_selector("select[name=town] option:has-text('枫桥镇')", state="attached")
    page.select_option("select[name=town]", label="枫桥镇")
    page.wait_for_selector("select[name=village] option:has-text('枫一社区')", state="attached")
    page.select_option("select[name=village]", label="枫一社区")
    page.fill("input[name=title]", "工资被拖欠")
    page.fill("textarea[name=description]", "在村办厂做工三个月，工资未结。")
    page.fill("input[name=other_name]", "李四")
    page.fill("input[name=contact_name]", "王五")
    page.fill("input[name=contact_phone]", "13900001111")
    a, b = map(int, re.findall(r"\d+", page.inner_text("label.challenge"))[:2])
    page.fill("input[name=answer]", str(a + b))


def test_a_browser_past_its_limit_is_told_when_and_where(
    live_server, phone_page, world, monkeypatch, tmp_path
):
    from jiefen.portal import guard

    monkeypatch.setattr(guard, "FILE_RATE", "1/h")  # one filing reaches the browser's limit
    page = phone_page
    page.goto(f"{live_server.url}/public/")
    fill(page)
    page.click("button.primary:has-text('提交申请')")
    page.wait_for_selector("text=申请已提交")
    page.goto(f"{live_server.url}/public/")
    fill(page)
    page.click("button.primary:has-text('提交申请')")
    message = page.wait_for_selector("#limited")
    text = message.inner_text()
    assert "本浏览器一小时内已在网上提交 1 件纠纷" in text
    assert "枫一社区" in text and "枫桥镇" in text and "12345" in text
    assert page.input_value("input[name=title]") == "工资被拖欠"
    assert page.locator("#error-summary").count() == 0  # nothing in the form is wrong
    shoot(page, tmp_path, "filing-limit")
