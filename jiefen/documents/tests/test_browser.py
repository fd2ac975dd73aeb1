"""A town head fills in what the agreement still lacks, downloads it as Word and PDF and records
the parties' application for judicial confirmation — on a phone, in Chromium."""

import io
import os
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from jiefen.conftest import sign_in
from jiefen.disputes.models import Reveal
from jiefen.documents.models import Confirmation, PartyDetail
from jiefen.documents.pdf import embedded
from jiefen.documents.tests.pdftext import fonts_of, pdf_text

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def shoot(page, name: str) -> None:
    """A screenshot into $JIEFEN_SHOTS when it is set."""
    folder = os.environ.get("JIEFEN_SHOTS")
    if folder:
        size = page.viewport_size
        path = Path(folder) / f"{name}-{size['width']}x{size['height']}.png"
        page.screenshot(path=str(path), full_page=True)


def downloaded(page, link) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(link)
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_a_town_head_completes_and_downloads_the_agreement_and_records_the_application(
    live_server, phone_page, agreed, town_head
):
    page = phone_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, "head_fengqiao")
    page.goto(f"{live_server.url}/disputes/{agreed.pk}/")
    panel = page.locator("#documents")
    assert "法律文书" in panel.inner_text()
    row = page.locator("#document-agreement")
    assert "人民调解协议书" in row.inner_text()
    assert "缺少：" in row.inner_text() and "各方当事人的责任" in row.inner_text()
    assert row.locator("a:has-text('PDF')").count() == 0  # nothing to download yet
    assert page.evaluate(FITS)

    page.click("#documents >> text=填写调解协议书所需信息")
    page.wait_for_selector("h1:has-text('调解协议书所需信息')")
    assert "缺少：" in page.inner_text("main .msg.warning")
    assert page.evaluate(FITS)
    for party, age in zip(agreed.parties.order_by("id"), (45, 52), strict=True):
        form = page.locator(f"#party-{party.pk}")
        form.locator("select[name$=gender]").select_option(label="男")
        form.locator("input[name$=age]").fill(str(age))
        form.locator("input[name$=ethnicity]").fill("汉族")
        form.locator("input[name$=occupation]").fill("农民")
        form.locator("input[name$=employer]").fill("枫桥镇五金厂")
        form.locator("button:has-text('保存')").click()
        page.wait_for_selector(f"text=已保存 {party.name} 的信息")
    assert PartyDetail.objects.filter(party__dispute=agreed).count() == 2
    # Saved, the facts are masked; a reveal with a reason shows them to correct, once.
    first = page.locator(f"#party-{agreed.parties.order_by('id').first().pk}")
    assert "已记录：性别、年龄、民族、职业、工作单位" in first.inner_text()
    assert "汉族" not in page.content() and "枫桥镇五金厂" not in page.content()
    shoot(page, "details-masked")
    first.locator("input[name$=reason]").fill("核对调解协议书")
    first.locator("button:has-text('查看并修改')").click()
    page.wait_for_selector("input[name$=ethnicity][value='汉族']")
    assert Reveal.objects.filter(field="document_detail", reason="核对调解协议书").count() == 1
    shoot(page, "details-revealed")
    page.goto(live_server.url + reverse("documents:details", args=[agreed.pk]))

    agreement = page.locator("#agreement")
    # Proposed from the sessions' mediators, in the order they first mediated.
    assert agreement.locator("input[name=agreement-mediators]").input_value() == "陈小梅、李卫东"
    agreement.locator("textarea[name=agreement-responsibility]").fill(
        "李四砌墙越过界址，应负主要责任。"
    )
    agreement.locator("input[name=agreement-performance_deadline]").fill("2026-04-08")
    agreement.locator("button:has-text('保存')").click()
    page.wait_for_selector("text=已保存调解协议书信息")
    assert page.locator("main .msg.warning:has-text('缺少：')").count() == 0

    page.click(f"main a:has-text('{agreed.number}')")
    page.wait_for_selector("#document-agreement a:has-text('PDF')")
    assert "缺少：" not in page.inner_text("#document-agreement")
    assert "证件号码和电话已隐去部分" in page.inner_text("#document-agreement")

    name, word = downloaded(page, "#document-agreement a:has-text('Word')")
    assert name.endswith(".docx") and word.startswith(b"PK")
    with zipfile.ZipFile(io.BytesIO(word)) as docx:
        body = docx.read("word/document.xml").decode()
    assert "人民调解协议书" in body and "李四砌墙越过界址" in body
    assert "13812345678" not in body  # numbers masked unless revealed with a reason

    name, pdf = downloaded(page, "#document-agreement a:has-text('PDF')")
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF")
    if embedded():
        assert any(b"/Subtype /TrueType" in font for font in fonts_of(pdf).values())
        assert "人民调解协议书" in pdf_text(pdf)

    page.click("#documents summary:has-text('登记司法确认申请')")
    page.fill("#documents input[name=applied_on]", "2026-03-20")
    page.fill("#documents input[name=court]", "诸暨市人民法院")
    page.click("#documents form[action$='/apply/'] button:has-text('保存')")
    page.wait_for_selector("text=已登记司法确认申请")
    confirmation = page.inner_text("#documents dl.confirmation")
    assert "2026-03-20 · 诸暨市人民法院" in confirmation and "待法院裁定" in confirmation
    row = Confirmation.objects.get()
    assert (str(row.applied_on), row.court) == ("2026-03-20", "诸暨市人民法院")
    assert page.evaluate(FITS)
    assert errors == []
