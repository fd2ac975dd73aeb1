"""In Chromium, on a phone and on a desktop: a clerk whose page went stale submits a transfer
and sees at the top what changed, with the reason she typed kept; a registration sent twice
(a double tap) lands on the one dispute.

Not covered: a back button that makes the browser fetch the form anew gives a fresh form with
a new token, which cannot be told from a second dispute typed in."""

import pytest

from jiefen.conftest import sign_in
from jiefen.disputes import services
from jiefen.disputes.models import Dispute, Status
from jiefen.disputes.tests.conftest import register

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture(params=list(SIZES))
def page(request, chromium):
    context = chromium.new_context(viewport=SIZES[request.param], locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.size_name = request.param
    yield page
    context.close()


def test_a_stale_transfer_is_said_at_the_top_with_the_reason_kept(
    live_server, page, world, village_clerk, other_village_clerk, tmp_path
):
    from jiefen.org.models import Membership, Role

    Membership.objects.create(
        user=other_village_clerk, body=world.bodies["枫一社区"], role=Role.MEDIATOR
    )
    dispute = register(world, village_clerk)
    sign_in(page, live_server, "clerk_fengyi")
    page.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    page.click("#action-transfer summary")
    page.fill("#action-transfer textarea[name=reason]", "涉及邻村土地，村里无法协调")
    # Meanwhile her colleague accepts the dispute.
    services.dispute_accept(
        actor=other_village_clerk, dispute_id=dispute.pk, version=dispute.version
    )
    page.click("#action-transfer button[type=submit]")
    conflict = page.wait_for_selector("#conflict")
    assert "王建国" in conflict.inner_text() and "已受理" in conflict.inner_text()
    box = conflict.bounding_box()
    assert box is not None and box["y"] < SIZES[page.size_name]["height"]  # seen without scrolling
    page.screenshot(path=str(tmp_path / f"conflict-{page.size_name}.png"), full_page=False)
    assert (
        page.input_value("#action-transfer textarea[name=reason]") == "涉及邻村土地，村里无法协调"
    )

    page.click("#conflict a.button")
    page.click("#action-transfer button[type=submit]")
    page.wait_for_selector("text=已移送上级")
    assert Dispute.objects.get(pk=dispute.pk).status == Status.TRANSFERRING


def test_a_registration_tapped_twice_lands_on_the_one_dispute(
    live_server, page, world, village_clerk, tmp_path
):
    sign_in(page, live_server, "clerk_fengyi")
    page.goto(f"{live_server.url}/disputes/new/")
    page.select_option("select[name=category]", label="邻里纠纷")
    page.select_option("select[name=channel]", value="walk_in")
    page.fill("input[name=title]", "院墙边界争议")
    page.fill("textarea[name=description]", "两户因院墙位置发生争执。")
    page.fill("input[name=parties-0-name]", "张三")
    page.fill("input[name=parties-1-name]", "李四")
    # A double tap: the same form submitted twice before the first answer arrives.
    page.evaluate(
        """() => { const f = document.querySelector("form.card");
                   const b = f.querySelector("button.primary");
                   f.requestSubmit(b); f.requestSubmit(b); }"""
    )
    page.wait_for_url(f"{live_server.url}/disputes/*/")
    page.wait_for_selector("p.msg")
    page.screenshot(path=str(tmp_path / f"again-{page.size_name}.png"))
    (dispute,) = Dispute.objects.all()
    assert page.url.endswith(f"/disputes/{dispute.pk}/")
    assert dispute.number in page.inner_text("main")
