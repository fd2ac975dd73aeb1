"""王五 and 李四 each read the agreement on a phone, confirm it with the code texted to them and
sign it with a finger on the screen; the village clerk then downloads the signed PDF, which
carries both signatures and still validates (pyhanko) — in Chromium at 390×844."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse

from jiefen.conftest import sign_in
from jiefen.demo.signing import CA
from jiefen.disputes.public import query_digest
from jiefen.documents.models import Assent
from jiefen.documents.tests.conftest import LI_SI_PHONE, WANG_WU_PHONE, code_in
from jiefen.documents.tests.test_digital_signature import demo_ca, signed  # noqa: F401
from jiefen.portal import identity

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"
QUERY_CODE = "WAGE-CODE-7"


def shoot(page, name: str) -> None:
    folder = os.environ.get("JIEFEN_SHOTS")
    if folder:
        size = page.viewport_size
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(Path(folder) / f"{name}-{size['width']}x{size['height']}.png"), full_page=True
        )


def party_phone(chromium, live_server, party):
    """A phone's browser that proved to be `party` (the portal's identity cookie)."""
    response = HttpResponse()
    identity.party_remember(response, party)
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": identity.PARTY_COOKIE,
                "value": response.cookies[identity.PARTY_COOKIE].value,
                "url": f"{live_server.url}{identity.PATH}",
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def draw_signature(page, slant: float) -> None:
    """A name written with the finger (here the mouse) across the signature box; each
    person's hand (`slant`) differs."""
    box = page.locator("canvas.signature").bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"] * slant
    page.mouse.move(x + w * 0.1, y + h * 0.6)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x + w * (0.1 + 0.03 * i), y + h * (0.6 - 0.3 * ((i % 4) in (1, 2))))
    page.mouse.up()
    page.mouse.move(x + w * 0.55, y + h * 0.3)
    page.mouse.down()
    page.mouse.move(x + w * 0.6, y + h * 0.8, steps=8)
    page.mouse.move(x + w * 0.85, y + h * 0.5, steps=8)
    page.mouse.up()


def confirm(page, live_server, outbox, phone, name, slant) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    assert "李四于2026年3月31日前一次付清王五工资一万二千元" in page.inner_text("#text")
    assert page.evaluate(FITS)
    shoot(page, f"assent-{name}-read")
    page.click("#send-code")
    page.wait_for_selector("text=验证码已发送至")
    draw_signature(page, slant)
    assert page.input_value("input[name=signature]").startswith("data:image/png;base64,")
    page.fill("input[name=code]", code_in(outbox, phone))
    shoot(page, f"assent-{name}-signed")
    page.click("#confirm")
    page.wait_for_selector("text=您已确认调解协议，确认记录已保存")
    assert "已确认" in page.inner_text("#states")
    # Their own signature, served to them alone, has loaded.
    page.wait_for_function(
        "() => { const i = document.querySelector('#answered img.signature-shown');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    assert page.evaluate(FITS)
    shoot(page, f"assent-{name}-done")
    assert not errors, errors


def test_wang_wu_and_li_si_confirm_and_sign_and_the_signed_pdf_validates(
    live_server,
    chromium,
    phone_page,
    two_parties,
    outbox,
    signed,  # noqa: F811
    village_clerk,
):
    wang_wu = two_parties.parties.get(name="王五")
    li_si = two_parties.parties.get(name="李四")
    type(two_parties).objects.filter(pk=two_parties.pk).update(
        query_digest=query_digest(QUERY_CODE)
    )

    # 王五 opens his dispute with its number and query code, and goes to the agreement.
    context, page = party_phone(chromium, live_server, wang_wu)
    page.goto(f"{live_server.url}/public/follow/")
    page.fill("input[name=number]", two_parties.number)
    page.fill("input[name=code]", QUERY_CODE)
    page.click("form button[type=submit].primary")
    page.wait_for_selector("#agreement")
    assert "调解协议待您确认" in page.inner_text("#agreement")
    shoot(page, "assent-wang-wu-portal")
    page.click("#agreement-open")
    page.wait_for_selector("#text")
    confirm(page, live_server, outbox, WANG_WU_PHONE, "wang-wu", 1.0)
    context.close()

    # 李四 comes straight to the agreement's page on his phone.
    context, page = party_phone(chromium, live_server, li_si)
    page.goto(f"{live_server.url}/public/agreement/")
    assert "待确认" in page.inner_text("#states") and "已确认" in page.inner_text("#states")
    confirm(page, live_server, outbox, LI_SI_PHONE, "li-si", 0.8)
    context.close()

    assert set(Assent.objects.values_list("party__name", "answer", "channel", "signed")) == {
        ("王五", "confirmed", "sms", True),
        ("李四", "confirmed", "sms", True),
    }

    # The village clerk sees both on the dispute page and downloads the signed PDF.
    page = phone_page
    sign_in(page, live_server, "clerk_fengyi")
    page.goto(f"{live_server.url}/disputes/{two_parties.pk}/")
    states = page.inner_text("#assent-states")
    assert states.count("已确认") == 2 and "短信验证码" in states
    page.locator("#assent-states").scroll_into_view_if_needed()
    shoot(page, "assent-staff-panel")
    with page.expect_download() as info:
        page.click("#document-agreement a:has-text('PDF')")
    data = Path(info.value.path()).read_bytes()
    # Checked with the command anyone can run (pyHanko's own validation runs an event loop,
    # which Playwright's thread already has).
    path = signed / "agreement.pdf"
    path.write_bytes(data)
    pyhanko = str(Path(sys.executable).parent / "pyhanko")
    run = subprocess.run(
        [pyhanko, "sign", "validate", "--trust", str(signed / CA), "--trust-replace", str(path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0 and ":INTACT:TRUSTED" in run.stdout, run.stderr
    assert data.count(b"/SMask") == 2  # both drawn signatures, on their transparent ground
    folder = os.environ.get("JIEFEN_SHOTS")
    if folder:
        (Path(folder) / "assent-signed-by-both.pdf").write_bytes(data)

    # The staff's page of the answers shows the signatures, at desktop size too.
    page.goto(f"{live_server.url}/documents/disputes/{two_parties.pk}/assent/")
    assert page.locator("img.signature-shown").count() == 2
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.signature-shown')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.evaluate(FITS)
    shoot(page, "assent-staff-page")
    page.set_viewport_size({"width": 1366, "height": 900})
    shoot(page, "assent-staff-page")
