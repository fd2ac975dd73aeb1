"""On a phone, in Chromium: 张三 uploads his identity document in the portal, the mediator
uploads 李四's for him, downloads the bundle (the application and the agreement are in it),
sends it to the court, and the dispute page shows the application as applied."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.http import HttpResponse

from jiefen.conftest import sign_in
from jiefen.courts.models import CourtSubmission, IdentityDocument
from jiefen.courts.tests.conftest import QUERY_CODE, pdf, png
from jiefen.documents.models import Confirmation
from jiefen.portal.identity import PARTY_COOKIE, party_remember

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"
PHONE = {"width": 390, "height": 844}


def shoot(page, name: str) -> None:
    """A screenshot into $JIEFEN_SHOTS when it is set."""
    folder = os.environ.get("JIEFEN_SHOTS")
    if folder:
        size = page.viewport_size
        path = Path(folder) / f"courts-{name}-{size['width']}x{size['height']}.png"
        page.screenshot(path=str(path), full_page=True)


def proved_party_page(chromium, live_server, party):
    """A phone that opened the dispute with its number and query code and proved to be
    `party` (the cookie identity.party_remember sets after a one-time SMS code)."""
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/public/follow/")
    page.fill("input[name=number]", party.dispute.number)
    page.fill("input[name=code]", QUERY_CODE)
    page.click("main button[type=submit]")
    page.wait_for_selector("#number")
    response = HttpResponse()
    party_remember(response, party)
    context.add_cookies(
        [
            {
                "name": PARTY_COOKIE,
                "value": response.cookies[PARTY_COOKIE].value,
                "url": f"{live_server.url}/public/",
            }
        ]
    )
    return context, page


def test_a_party_uploads_the_mediator_assembles_downloads_and_sends(
    live_server, chromium, phone_page, tmp_path, agreed, zhangsan, lisi, village_clerk
):
    errors: list[str] = []
    # 张三, on his phone, in the portal.
    context, party_page = proved_party_page(chromium, live_server, zhangsan)
    party_page.on("pageerror", lambda error: errors.append(str(error)))
    party_page.reload()
    section = party_page.locator("#court")
    assert "申请司法确认" in section.inner_text()
    assert "尚未上传身份证明材料（您）" in section.inner_text()
    assert party_page.evaluate(FITS)
    shoot(party_page, "party-before")
    card = tmp_path / "身份证.png"
    card.write_bytes(png(856, 540))
    party_page.set_input_files("#court-upload input[type=file]", str(card))
    party_page.click("#court-upload button[type=submit]")
    party_page.wait_for_selector("#court-message")
    assert "已上传您的身份证明材料" in party_page.inner_text("#court-message")
    assert "已上传身份证明材料（您）" in party_page.inner_text("#court")
    assert party_page.evaluate(FITS)
    shoot(party_page, "party-uploaded")
    # A file that is not an identity document is refused where he is looking.
    wrong = tmp_path / "说明.txt"
    wrong.write_text("这不是身份证", encoding="utf-8")
    party_page.set_input_files("#court-upload input[type=file]", str(wrong))
    party_page.click("#court-upload button[type=submit]")
    party_page.wait_for_selector("#court-message.error")
    assert "只能上传" in party_page.inner_text("#court-message")
    shoot(party_page, "party-refused")
    context.close()
    assert IdentityDocument.objects.get(party=zhangsan).kind == "png"

    # The mediator, on her phone.
    page = phone_page
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, "clerk_fengyi")
    page.goto(f"{live_server.url}/disputes/{agreed.pk}/")
    panel = page.locator("#court")
    assert "1/2 位当事人已上传" in panel.inner_text()
    panel.locator("a:has-text('整理和提交申请材料')").click()
    page.wait_for_selector("h1:has-text('司法确认申请')")
    assert "被申请人李四的身份证明材料" in page.inner_text("#court-missing")
    assert page.locator("#court-submit").is_disabled()
    assert page.evaluate(FITS)
    shoot(page, "staff-missing")
    scan = tmp_path / "李四身份证.pdf"
    scan.write_bytes(pdf(2))
    row = page.locator(f"#party-{lisi.pk}")
    row.locator("summary:has-text('代当事人上传')").click()
    row.locator("input[type=file]").set_input_files(str(scan))
    row.locator("button:has-text('上传')").click()
    page.wait_for_selector("text=已代当事人上传身份证明材料")
    assert page.locator("#court-missing").count() == 0
    assert page.locator("#court-submit").is_enabled()
    assert "数字签名在合订本中无法验证" in page.inner_text("#court-signature-note")
    shoot(page, "staff-ready")

    with page.expect_download() as info:
        page.click("#court-bundle")
    bundle = Path(info.value.path())
    assert info.value.suggested_filename.endswith("人民调解协议司法确认申请材料.pdf")
    text = subprocess.run(
        ["pdftotext", str(bundle), "-"], capture_output=True, check=True, text=True
    ).stdout
    for words in ("人民调解协议司法确认申请书", "人民调解协议书", "司法确认申请材料清单"):
        assert words in text, words
    assert "330681199001011237" in text  # the full number a court needs
    shots = os.environ.get("JIEFEN_SHOTS")
    if shots:
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", str(bundle), str(Path(shots) / "courts-bundle")],
            check=True,
        )

    page.click("#court-submit")
    page.wait_for_selector("#court-applied")
    assert "已登记为已申请" in page.content()
    shoot(page, "staff-sent")
    sent = CourtSubmission.objects.get()
    assert Confirmation.objects.get(agreement__dispute=agreed).applied_on is not None

    # The dispute page shows the application as applied, in both panels.
    page.goto(f"{live_server.url}/disputes/{agreed.pk}/")
    assert "已申请司法确认" in page.inner_text("#court-status")
    assert sent.court in page.inner_text("#documents")
    assert page.evaluate(FITS)
    shoot(page, "dispute-applied")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/courts/disputes/{agreed.pk}/")
    assert "回执编号" in page.inner_text("#court-applied")
    shoot(page, "staff-sent")
    assert errors == []
