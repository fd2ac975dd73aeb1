"""The county's day in Chromium, on a phone and at a desktop, with the sweep running the whole
time: the joint meeting's officer assigns a dispute sent up by a town to the responsible
department, puts it under a named leader (包案) and issues a supervision order, which goes
to the department that now holds the work; the leader signs in with the second factor, finds
the notification of the case he now owns, opens it and records what he did. Both end with the
notifications in hand."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiefen.accounts.tests.conftest import enrolled
from jiefen.conftest import open_menu, sign_in
from jiefen.disputes.models import Status
from jiefen.org.models import Role
from jiefen.supervision.models import LeaderOwnership, Notification, SupervisionOrder
from jiefen.supervision.tests.conftest import at_county
from jiefen.tests.journeys import SIZES, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_county_assigns_puts_a_leader_on_it_and_supervises(
    world,
    village_clerk,
    town_head,
    county_officer,
    chromium,
    journey_server,
    journey_page,
    tmp_path,
):
    page, server = journey_page, journey_server
    leader = world.person("leader_zhuji", "吴建华", "诸暨市", Role.LEADER)
    department = world.bodies["诸暨市自然资源和规划局"]
    land_clerk = world.person("clerk_land", "郑清", "诸暨市自然资源和规划局", Role.CLERK)
    device = enrolled(leader)
    dispute = at_county(
        world, village_clerk, town_head, county_officer, when=timezone.now() - timedelta(hours=8)
    )

    sign_in(page, server, "officer_zhuji")
    page.goto(f"{server.url}/disputes/{dispute.pk}/")
    page.click("#action-assign summary")
    page.select_option("#action-assign select[name=department]", label=department.name)
    page.click("#action-assign button[type=submit]")
    page.wait_for_selector("p.msg:has-text('已交办')")
    dispute.refresh_from_db()
    assert dispute.status == Status.ASSIGNED and dispute.department == department

    page.click("#supervision-leader summary")
    page.select_option("#supervision-leader select[name=leader]", label=str(leader))
    page.fill("#supervision-leader textarea[name=plan]", "约谈双方，会同自然资源局现场勘界")
    target = timezone.localdate() + timedelta(days=30)
    page.fill("#supervision-leader input[name=target_date]", target.isoformat())
    page.click("#supervision-leader button[type=submit]")
    page.wait_for_selector("#leader")
    assert "吴建华" in page.inner_text("#leader")

    page.click("#supervision-order summary")
    # The order goes, by default, to the department that now holds the work.
    chosen = page.eval_on_selector(
        "#supervision-order select[name=to_body]", "s => s.options[s.selectedIndex].text"
    )
    assert chosen == department.name
    page.fill("#supervision-order textarea[name=requirement]", "请于五个工作日内报告勘界进展")
    page.click("#supervision-order button[type=submit]")
    page.wait_for_selector(".orders li")
    order = SupervisionOrder.objects.get(dispute=dispute)
    assert order.to_body == department
    assert Notification.objects.filter(recipient=land_clerk, kind="order").exists()
    shot(page, tmp_path, "county-supervised")

    # The leader, on his own device, with the second factor.
    context = chromium.new_context(viewport=SIZES[page.size_name], locale="zh-CN")
    mine = context.new_page()
    mine.set_default_timeout(20000)
    sign_in(mine, server, "leader_zhuji", device=device)
    told = Notification.objects.get(recipient=leader, dispute=dispute, kind="leader_assigned")
    open_menu(mine)
    mine.click("header a.bell")
    mine.wait_for_selector(f"#notification-{told.pk}.unread")
    mine.click(f"#notification-{told.pk} a")
    mine.wait_for_selector("#leader")
    mine.click("#supervision summary:has-text('填写进展')")
    mine.fill("#supervision textarea[name=text]", "已约谈双方，定于下周现场勘界")
    mine.click("#supervision form[action*='note'] button[type=submit]")
    mine.wait_for_selector("#supervision .timeline li:has-text('已约谈双方')")
    ownership = LeaderOwnership.objects.get(dispute=dispute)
    assert ownership.leader == leader
    told.refresh_from_db()
    assert told.read_at is not None  # done: he has taken the case on
    mine.goto(f"{server.url}/supervision/leader/")
    assert dispute.number in mine.inner_text("main")
    mine.size_name = page.size_name
    shot(mine, tmp_path, "leader-cases")
    context.close()
