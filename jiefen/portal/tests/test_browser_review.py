"""In Chromium on a phone: a party whose dispute was declined asks the level above to review
it on the portal, then reads the answer; second case, the review goes unanswered past its
deadline and the sweep reopens the dispute at the level above, which the party reads too;
third, the level above upholds the decline and the page still names the ways left.

Screenshots go to $JIEFEN_SHOTS when it is set (a directory), otherwise to the test's tmp_path.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from jiefen.disputes import services
from jiefen.disputes.models import Status
from jiefen.portal.models import ReviewOutcome, ReviewRequest
from jiefen.portal.services import review_answer
from jiefen.portal.tests.conftest import file_dispute
from jiefen.supervision.sweep import sweep_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "属于劳动仲裁受理范围，请向劳动人事争议仲裁委员会申请"


def shoot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("JIEFEN_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(
        path=str(folder / f"{name}-{size['width']}x{size['height']}.png"), full_page=True
    )


@pytest.fixture
def declined_now(world, village_clerk):
    dispute, code = file_dispute(world, when=timezone.now() - timedelta(hours=2))
    services.dispute_decline(
        actor=village_clerk, dispute_id=dispute.pk, version=None, reason=REASON, route="arbitration"
    )
    dispute.refresh_from_db()
    return dispute, code


def open_case(page, live_server, dispute, code) -> None:
    page.goto(f"{live_server.url}/public/follow/")
    page.fill("input[name=number]", dispute.number)
    page.fill("input[name=code]", code)
    page.click("button.primary:has-text('查询')")
    page.wait_for_selector("#timeline")


def ask_for_review(page, tmp_path, name: str) -> None:
    no = page.locator("#no")
    assert "不予受理" in no.inner_text() and "劳动仲裁受理范围" in no.inner_text()
    assert "申请上一级（枫桥镇" in page.inner_text("#review-how")
    shoot(page, tmp_path, f"{name}-declined")
    # An empty reason is refused with a message and nothing is sent.
    page.click("#review button[type=submit]")
    page.wait_for_selector("#review .error, #review .errors")
    assert not ReviewRequest.objects.exists()
    shoot(page, tmp_path, f"{name}-empty-reason")
    page.fill("#review textarea[name=reason]", "村里说不归他们管，请镇里看看能否调解")
    page.click("#review button[type=submit]")
    page.wait_for_selector("text=已提交复核申请")
    assert "等待上一级答复" in page.inner_text("#reviews")
    assert "答复期限" in page.inner_text("#review-waiting")
    shoot(page, tmp_path, f"{name}-asked")


def test_a_declined_party_asks_the_level_above_and_reads_the_answer(
    live_server, phone_page, chromium, world, declined_now, town_head, tmp_path
):
    dispute, code = declined_now
    desk = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    desktop = desk.new_page()
    open_case(desktop, live_server, dispute, code)
    assert desktop.locator("#review").is_visible()
    shoot(desktop, tmp_path, "review-declined")
    page = phone_page
    open_case(page, live_server, dispute, code)
    ask_for_review(page, tmp_path, "review")
    asked = ReviewRequest.objects.get()
    assert asked.reviewer == world.bodies["枫桥镇"]

    review_answer(
        actor=town_head, request_id=asked.pk, answer="经复核，由镇调处中心受理调解", uphold=False
    )
    page.reload()
    assert page.inner_text("#status") == "已受理"
    assert "枫桥镇" in page.inner_text("#holder")
    reviews = page.inner_text("#reviews")
    assert "已答复" in reviews and "经复核，由镇调处中心受理调解" in reviews
    assert page.locator("#no").count() == 0  # the no is gone
    shoot(page, tmp_path, "review-answered")
    desktop.reload()
    assert "经复核，由镇调处中心受理调解" in desktop.inner_text("#reviews")
    shoot(desktop, tmp_path, "review-answered")
    desk.close()
    dispute.refresh_from_db()
    assert (dispute.status, dispute.holder) == (Status.ACCEPTED, world.bodies["枫桥镇"])


def test_an_unanswered_review_reopens_the_dispute_by_itself(
    live_server, phone_page, world, declined_now, tmp_path
):
    dispute, code = declined_now
    page = phone_page
    open_case(page, live_server, dispute, code)
    ask_for_review(page, tmp_path, "auto")
    asked = ReviewRequest.objects.get()
    # Nobody at 枫桥镇 answers and the deadline passes (moved back to yesterday rather than the
    # clock forward: the sweep's hooks act at the real time).
    ReviewRequest.objects.filter(pk=asked.pk).update(
        due_date=timezone.localdate() - timedelta(days=1)
    )
    assert sweep_run(now=timezone.now())["reviews_overdue"] == 1
    page.reload()
    assert "逾期未答复，已自动由上一级重新受理" in page.inner_text("#reviews")
    assert page.inner_text("#status") == "已受理" and "枫桥镇" in page.inner_text("#holder")
    assert "逾期未答复，依规自动处理" in page.inner_text("#timeline")
    shoot(page, tmp_path, "auto-reopened")
    asked.refresh_from_db()
    assert asked.outcome == ReviewOutcome.REOPENED and asked.auto_escalated_at is not None


def test_an_upheld_review_leaves_the_ways_left_in_view(
    live_server, phone_page, world, declined_now, town_head, tmp_path
):
    dispute, code = declined_now
    page = phone_page
    open_case(page, live_server, dispute, code)
    page.fill("#review textarea[name=reason]", "请镇里看看")
    page.click("#review button[type=submit]")
    page.wait_for_selector("#review-waiting")
    review_answer(
        actor=town_head,
        request_id=ReviewRequest.objects.get().pk,
        answer="经复核，应向劳动人事争议仲裁委员会申请仲裁",
        uphold=True,
    )
    page.reload()
    ways = page.locator("#other-ways")
    assert ways.is_visible()
    assert "已复核，维持这一决定" in ways.inner_text() and "12345" in ways.inner_text()
    shoot(page, tmp_path, "upheld-ways-left")
