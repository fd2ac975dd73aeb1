"""A village clerk's day in Chromium, on her phone and at a desktop, with the sweep running the
whole time: she registers a dispute for a party who walked in, accepts it, holds a mediation
session, resolves it with an agreement (the form first refuses, at the top, what Article 29
still needs) and ends with the agreement and the applicant's acceptance notice in hand, both
read back from the PDFs she downloaded."""

import re

import pytest

from jiefen.conftest import sign_in
from jiefen.disputes.models import Dispute, Status
from jiefen.documents.tests.pdftext import poppler_text
from jiefen.tests.journeys import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chinese punctuation that may not begin a line (避头点).
NOT_AT_LINE_START = re.compile(r"^\s*[，。、：；！？）》”’]", re.M)


def download(page, selector, tmp_path) -> bytes:
    with page.expect_download() as started:
        page.click(selector)
    path = tmp_path / started.value.suggested_filename
    started.value.save_as(path)
    return path.read_bytes()


def test_a_clerk_registers_mediates_and_prints_the_agreement(
    world, village_clerk, journey_server, journey_page, tmp_path
):
    page, server = journey_page, journey_server
    sign_in(page, server, "clerk_fengyi")

    page.click("a.button:has-text('登记纠纷')")
    page.select_option("select[name=category]", label="邻里纠纷")
    page.select_option("select[name=channel]", value="walk_in")
    page.fill("input[name=title]", "院墙边界争议")
    page.fill("textarea[name=description]", "张家与李家因院墙位置发生争执，双方各执一词。")
    page.fill("input[name=parties-0-name]", "张𠮷")
    page.fill("input[name=parties-0-phone]", "13900001111")
    page.fill("input[name=parties-0-id_number]", "330681198001011232")
    page.fill("input[name=parties-0-address]", "枫一社区3组12号")
    page.fill("input[name=parties-1-name]", "李四")
    page.click("form.card button.primary")
    page.wait_for_selector("p.msg:has-text('已登记')")
    dispute = Dispute.objects.get()
    assert dispute.number in page.inner_text("main")

    page.click("#action-accept summary")
    page.click("#action-accept button[type=submit]")
    page.wait_for_selector("p.msg:has-text('已受理')")

    page.click("#action-session summary")
    # The session form offers the signed-in mediator and today.
    assert page.input_value("#action-session [name=mediators]") == "陈小梅"
    assert page.input_value("#action-session [name=held_on]")
    page.fill("#action-session [name=place]", "枫一社区调解室")
    page.fill("#action-session [name=attendees]", "张𠮷、李四")
    page.fill("#action-session [name=record]", "双方陈述院墙位置争议，调解员释明宅基地证载界址。")
    page.fill("#action-session [name=agreed]", "院墙按原址重建，费用各半。")
    page.click("#action-session button[type=submit]")
    page.wait_for_selector("p.msg:has-text('已记录调解')")

    page.click("#action-resolve summary")
    page.check("#action-resolve input[name=outcome][value=agreement]")
    # Prefilled from what the system has: the session's terms, the mediator, the holder.
    assert page.input_value("#action-resolve [name=terms]") == "院墙按原址重建，费用各半。"
    assert page.input_value("#action-resolve [name=mediators]") == "陈小梅"
    page.click("#action-resolve button[type=submit]")
    summary = page.wait_for_selector(".error-summary")
    assert "各方当事人的责任" in summary.inner_text()
    assert summary.bounding_box()["y"] < page.viewport_size["height"]
    # Each refusal reads as one item: its link starts where its bullet is, with text-sized
    # lines (not one 44 px line per wrapped line).
    for item in page.query_selector_all(".error-summary li"):
        link = item.query_selector("a")
        assert abs(link.bounding_box()["y"] - item.bounding_box()["y"]) < 4
        height = float(link.evaluate("a => getComputedStyle(a).lineHeight").rstrip("px"))
        assert height < 32
    shot(page, tmp_path, "clerk-resolve-refused")
    page.fill("#action-resolve [name=responsibility]", "双方对院墙位置均有误解，责任相当。")
    page.fill("#action-resolve [name=performance]", "由张𠮷负责施工，李四承担一半费用。")
    page.fill("#action-resolve [name=performance_deadline]", "2026-12-31")
    page.click("#action-resolve button[type=submit]")
    page.wait_for_selector("p.msg:has-text('已办结')")
    dispute.refresh_from_db()
    assert dispute.status == Status.RESOLVED

    # The downloads read as links to files, not as rows of the dispute list.
    link = page.locator("#document-agreement a:has-text('PDF')")
    assert link.bounding_box()["width"] < 200
    shot(page, tmp_path, "clerk-resolved")

    agreement = poppler_text(download(page, "#document-agreement a:has-text('PDF')", tmp_path))
    assert "人民调解协议书" in agreement and dispute.number in agreement
    assert "张𠮷" in agreement and "院墙按原址重建，费用各半。" in agreement
    assert "2026年12月31日前履行完毕" in agreement
    assert "张𠮷（签名或者盖章、按指印）" in agreement and "（盖章）" in agreement
    assert "13900001111" not in agreement  # the masked copy
    assert not NOT_AT_LINE_START.search(agreement)

    page.click("#acceptance-with-code summary")
    notice = poppler_text(download(page, "#acceptance-with-code button:has-text('PDF')", tmp_path))
    village = world.bodies["枫一社区"].name
    assert "受理通知书" in notice and f"{village}（盖章）" in notice
    code = re.search(r"查询码\s*([A-Z0-9]{10})", notice)
    assert code is not None
    from jiefen.disputes.public import dispute_by_query

    assert dispute_by_query(number=dispute.number, code=code.group(1)) == dispute
