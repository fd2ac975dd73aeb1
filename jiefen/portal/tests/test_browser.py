"""A party files, follows, asks for the next level and rates the result — in Chromium, on a
phone-sized screen, with the place chosen through portal.js."""

import re

import pytest

from jiefen.disputes import services
from jiefen.disputes.models import Dispute, Status
from jiefen.portal.models import EscalationRequest, Rating

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_walks_a_party_through_the_portal(live_server, phone_page, world, village_clerk):
    page = phone_page
    page.goto(f"{live_server.url}/public/")
    # portal.js took over: the step-by-step buttons are hidden.
    assert not page.is_visible("button.step")
    page.select_option("select[name=category]", label="劳动争议纠纷")
    page.select_option("select[name=county]", label="绍兴市 诸暨市")
    page.wait_for_selector("select[name=town] option:has-text('枫桥镇')", state="attached")
    page.select_option("select[name=town]", label="枫桥镇")
    page.wait_for_selector("select[name=village] option:has-text('枫一社区')", state="attached")
    page.select_option("select[name=village]", label="枫一社区")
    page.fill("input[name=occurred_on]", "2026-03-01")
    page.fill("input[name=title]", "<b>工资</b>被拖欠")
    page.fill("textarea[name=description]", "在村办厂做工三个月，工资未结。")
    page.fill("input[name=other_name]", "李四")
    page.fill("input[name=contact_name]", "王五")
    page.fill("input[name=contact_phone]", "13900001111")
    a, b = map(int, re.findall(r"\d+", page.inner_text("label.challenge"))[:2])
    page.fill("input[name=answer]", str(a + b))
    page.click("button.primary:has-text('提交申请')")
    page.wait_for_selector("text=申请已提交")
    number = page.inner_text("#number").strip()
    code = page.inner_text("#code").strip()
    dispute = Dispute.objects.get()
    assert dispute.number == number and dispute.holder == world.bodies["枫一社区"]

    page.click("a:has-text('查询办理进度')")
    page.fill("input[name=number]", number)
    page.fill("input[name=code]", code.lower())
    page.click("button.primary:has-text('查询')")
    page.wait_for_selector("#timeline")

    assert page.inner_text("#status") == "已登记"
    assert "<b>工资</b>被拖欠" in page.inner_text("h1")  # shown as typed, not as markup
    assert "王*" in page.content() and "13900001111" not in page.content()

    page.click("#escalate summary")
    page.fill("#escalate textarea[name=reason]", "村里调了两次没有结果，希望镇里处理")
    page.click("#escalate button[type=submit]")
    page.wait_for_selector("text=已提交上移申请")
    assert "等待答复" in page.inner_text("#requests")
    assert EscalationRequest.objects.get().dispute == dispute

    # Staff resolve it, through the services, answering the waiting request as they must.
    services.dispute_accept(actor=village_clerk, dispute_id=dispute.pk, version=None)
    services.dispute_resolve(
        actor=village_clerk,
        dispute_id=dispute.pk,
        version=None,
        outcome="no_agreement",
        route="arbitration",
        answer="已告知可申请劳动仲裁，不再上移",
    )
    page.reload()
    assert page.inner_text("#status") == "已办结"
    assert "等待答复" not in page.inner_text("#requests")
    page.check("#rate input[name=score][value='4']")
    page.fill("#rate textarea[name=comment]", "答复及时")
    page.click("#rate button[type=submit]")
    page.wait_for_selector("text=感谢您的评价")
    assert Rating.objects.get(dispute=dispute).score == 4
    dispute.refresh_from_db()
    assert dispute.status == Status.RESOLVED
    assert dispute.events.get(action="rate").params == {"score": 4}

    page.click("text=退出查询")
    page.wait_for_selector("input[name=code]")
