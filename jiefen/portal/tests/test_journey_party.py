"""A party's journey in Chromium, on a phone and at a desktop, with the sweep running the whole
time: she files online, goes back and sends the form again (landing on the dispute already
filed, not a second one), follows it with her query code, asks for the next level, and once
staff have resolved it, answering her request, rates the result."""

import re

import pytest

from jiefen.disputes import services
from jiefen.disputes.models import Dispute, Status
from jiefen.portal.models import EscalationRequest, Rating
from jiefen.supervision.models import Notification
from jiefen.tests.journeys import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def choose_place(page) -> None:
    page.select_option("select[name=county]", label="绍兴市 诸暨市")
    page.wait_for_selector("select[name=town] option:has-text('枫桥镇')", state="attached")
    page.select_option("select[name=town]", label="枫桥镇")
    page.wait_for_selector("select[name=village] option:has-text('枫一社区')", state="attached")
    page.select_option("select[name=village]", label="枫一社区")


def answer_challenge(page) -> None:
    a, b = map(int, re.findall(r"\d+", page.inner_text("label.challenge"))[:2])
    page.fill("input[name=answer]", str(a + b))


def test_a_party_files_follows_asks_for_the_next_level_and_rates(
    world, village_clerk, journey_server, journey_page, tmp_path
):
    page, server = journey_page, journey_server
    page.goto(f"{server.url}/public/")
    page.select_option("select[name=category]", label="劳动争议纠纷")
    choose_place(page)
    page.fill("input[name=occurred_on]", "2026-03-01")
    page.fill("input[name=title]", "工资被拖欠")
    page.fill("textarea[name=description]", "在村办厂做工三个月，工资未结。")
    page.fill("input[name=other_name]", "枫桥某五金厂")
    page.fill("input[name=contact_name]", "王五")
    page.fill("input[name=contact_phone]", "13900001111")
    answer_challenge(page)
    page.click("button.primary:has-text('提交申请')")
    page.wait_for_selector("#code")
    number, code = page.inner_text("#number").strip(), page.inner_text("#code").strip()
    shot(page, tmp_path, "party-filed")

    # Back, and the form sent again: the one dispute, with the same code.
    page.go_back()
    page.wait_for_selector("input[name=answer]")
    if not page.input_value("select[name=village]"):
        choose_place(page)
    answer_challenge(page)
    page.click("button.primary:has-text('提交申请')")
    page.wait_for_selector("#again")
    assert page.inner_text("#number").strip() == number
    assert page.inner_text("#code").strip() == code
    dispute = Dispute.objects.get()
    assert dispute.number == number and dispute.holder == world.bodies["枫一社区"]

    page.click("a:has-text('查询办理进度')")
    page.fill("input[name=number]", number)
    page.fill("input[name=code]", code)
    page.click("button.primary:has-text('查询')")
    page.wait_for_selector("#timeline")
    assert page.inner_text("#status") == "已登记"

    page.click("#escalate summary")
    page.fill("#escalate textarea[name=reason]", "村里调了两次没有结果，希望镇里处理")
    page.click("#escalate button[type=submit]")
    page.wait_for_selector("text=已提交上移申请")
    assert "等待答复" in page.inner_text("#requests")
    request = EscalationRequest.objects.get(dispute=dispute)
    # The holder's staff hear of it at once.
    assert Notification.objects.filter(recipient=village_clerk, dispute=dispute).exists()

    services.dispute_accept(actor=village_clerk, dispute_id=dispute.pk, version=None)
    services.dispute_resolve(
        actor=village_clerk,
        dispute_id=dispute.pk,
        version=None,
        outcome="no_agreement",
        route="arbitration",
        answer="已告知可申请劳动仲裁，不再上移",
    )
    request.refresh_from_db()
    assert request.answered_at is not None

    page.reload()
    assert page.inner_text("#status") == "已办结"
    assert "等待答复" not in page.inner_text("#requests")
    assert "已告知可申请劳动仲裁" in page.inner_text("#requests")
    page.check("#rate input[name=score][value='4']")
    page.fill("#rate textarea[name=comment]", "答复及时")
    page.click("#rate button[type=submit]")
    page.wait_for_selector("text=感谢您的评价")
    shot(page, tmp_path, "party-rated")
    rating = Rating.objects.get(dispute=dispute)
    assert rating.score == 4
    dispute.refresh_from_db()
    assert dispute.status == Status.RESOLVED
