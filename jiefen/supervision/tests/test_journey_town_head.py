"""A town head's day in Chromium, on a phone and at a desktop, with the sweep running the whole
time: a dispute sent up from a village waits in her queue; she returns it with a reason (the
form refuses, at the top, a return without one; the village is told), gets it again, learns
of it from the sweep's notification and receives it; a party then asks for the next level, she
is told at once, and answers by sending it up to the county. She ends with the notifications
in hand, each marked done by the work that answered it."""

import pytest

from jiefen.conftest import open_menu, sign_in
from jiefen.disputes import services
from jiefen.disputes.models import Dispute, Event, Status
from jiefen.disputes.tests.conftest import register
from jiefen.portal import services as portal
from jiefen.supervision.models import Notification
from jiefen.tests.journeys import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_town_head_returns_receives_and_answers_a_party(
    world, village_clerk, town_head, county_officer, journey_server, journey_page, tmp_path
):
    page, server = journey_page, journey_server
    dispute = register(world, village_clerk, title="山林界址争议")
    reason = "涉及邻村山林，村里无法协调"
    services.dispute_transfer(
        actor=village_clerk, dispute_id=dispute.pk, version=None, reason=reason
    )
    sign_in(page, server, "head_fengqiao")

    page.click(f"a:has-text('{dispute.title}')")
    page.wait_for_selector("#action-return")
    assert reason in page.inner_text("main")  # why it came up
    page.click("#action-return summary")
    page.click("#action-return button[type=submit]")
    summary = page.wait_for_selector(".error-summary")
    assert "退回必须说明理由" in summary.inner_text()
    page.fill("#action-return textarea[name=reason]", "属村内山林承包问题，请村里先行调解")
    page.click("#action-return button[type=submit]")
    page.wait_for_selector("p.msg:has-text('已退回')")
    back = Event.objects.get(dispute=dispute, action="return")
    assert back.reason == "属村内山林承包问题，请村里先行调解"
    server.sweeps.wait_pass()  # and the village hears it came back
    returned = Notification.objects.get(recipient=village_clerk, kind="returned")

    services.dispute_transfer(
        actor=village_clerk, dispute_id=dispute.pk, version=None, reason="村里调解两次未果"
    )
    server.sweeps.wait_pass()  # the sweep tells the town's heads what arrived
    first, arrival = Notification.objects.filter(
        recipient=town_head, dispute=dispute, kind="transferred"
    ).order_by("id")
    assert first.read_at is not None  # the first arrival was done when she returned it
    returned.refresh_from_db()
    assert returned.read_at is not None  # done when the village sent it up again
    open_menu(page)
    page.click("header a.bell")
    page.click(f"#notification-{arrival.pk} a")
    page.click("#action-receive summary")
    page.click("#action-receive button[type=submit]")
    page.wait_for_selector("p.msg:has-text('已接收移送')")
    arrival.refresh_from_db()
    assert arrival.read_at is not None  # done by receiving

    portal.escalation_request(dispute=Dispute.objects.get(pk=dispute.pk), reason="希望县里处理")
    asked = Notification.objects.get(
        recipient=town_head, dispute=dispute, kind="escalation_requested"
    )
    page.goto(f"{server.url}/")
    queue = page.inner_text("#party-requests")
    assert dispute.number in queue and "答复时限" in queue
    page.click(f"#party-requests a:has-text('{dispute.number}')")
    page.fill("#escalations textarea[name=answer]", "同意，移送县联席会议办公室")
    page.check("#escalations input[name=transfer]")
    shot(page, tmp_path, "town-head-answer")
    page.click("#escalations button[type=submit]")
    page.wait_for_selector("p.msg:has-text('已答复上移申请')")
    dispute.refresh_from_db()
    assert dispute.status == Status.TRANSFERRING
    assert dispute.transfer_to == world.bodies["诸暨市"]
    asked.refresh_from_db()
    assert asked.read_at is not None

    page.goto(f"{server.url}/supervision/notifications/")
    listed = page.inner_text("main")
    assert dispute.number in listed
    shot(page, tmp_path, "town-head-notifications")
