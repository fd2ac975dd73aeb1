"""The supervision section of a dispute page, and its forms."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from jiefen.disputes.tests.steps import perform
from jiefen.supervision.models import LeaderOwnership, SupervisionOrder
from jiefen.supervision.services import order_issue, ownership_assign
from jiefen.supervision.tests.conftest import at, at_county, register

PANEL = Template("{% load supervision_tags %}{% supervision_panel dispute %}")


def panel(user, dispute):
    request = RequestFactory().get("/")
    request.user = user
    return PANEL.render(Context({"request": request, "dispute": dispute, "csrf_token": "t"}))


@pytest.fixture
def dispute(world, village_clerk):
    d = register(world, village_clerk)
    return perform("accept", actor=village_clerk, dispute=d, at=at(2026, 3, 2, 11))


def test_the_panel_offers_each_person_what_they_may_do(
    dispute, county_officer, village_clerk, town_head, town_leader
):
    html = panel(county_officer, dispute)
    assert 'id="supervision"' in html
    assert f"/supervision/disputes/{dispute.pk}/order/" in html
    assert f"/supervision/disputes/{dispute.pk}/urge/" in html
    assert f"/supervision/disputes/{dispute.pk}/leader/" in html
    assert town_leader.full_name in html  # a leader over the dispute's place
    html = panel(village_clerk, dispute)
    assert "/order/" not in html and "/urge/" not in html and "/leader/" not in html
    order = order_issue(
        actor=town_head, dispute_id=dispute.pk, requirement="请报告进展", days=3, at=at(2026, 3, 3)
    )
    html = panel(village_clerk, dispute)
    assert f"/supervision/disputes/{dispute.pk}/orders/{order.pk}/answer/" in html
    assert "请报告进展" in html


def test_the_forms_write_through_the_services(
    client, dispute, town_head, village_clerk, town_leader
):
    client.force_login(town_head)
    response = client.post(
        f"/supervision/disputes/{dispute.pk}/order/",
        {"requirement": "请三日内报告", "days": "3", "to_body": dispute.holder_id},
    )
    assert response.status_code == 302 and response.url == f"/disputes/{dispute.pk}/"
    order = SupervisionOrder.objects.get()
    client.force_login(village_clerk)
    client.post(
        f"/supervision/disputes/{dispute.pk}/orders/{order.pk}/answer/", {"report": "已勘界"}
    )
    order.refresh_from_db()
    assert order.report == "已勘界"
    client.force_login(town_head)
    target = (timezone.localdate() + timedelta(days=30)).isoformat()
    client.post(
        f"/supervision/disputes/{dispute.pk}/leader/",
        {"leader": town_leader.pk, "plan": "包案化解", "target_date": target},
    )
    ownership = LeaderOwnership.objects.get()
    client.force_login(town_leader)
    client.post(f"/supervision/ownerships/{ownership.pk}/note/", {"text": "已约谈"})
    assert ownership.notes.count() == 1


def test_a_refused_form_says_why_and_writes_nothing(client, dispute, town_head, other_town_head):
    client.force_login(town_head)
    response = client.post(
        f"/supervision/disputes/{dispute.pk}/order/",
        {"requirement": "请报告", "days": "0"},
    )
    # Said on the dispute page itself, at the top, with the form as it was filled in.
    assert response.status_code == 400
    summary = response.content.decode().split('class="error-summary"')[1].split("</div>")[0]
    assert "1 至 60 个工作日" in summary
    client.force_login(other_town_head)
    response = client.post(
        f"/supervision/disputes/{dispute.pk}/order/", {"requirement": "请报告", "days": "3"}
    )
    assert response.status_code == 404
    assert not SupervisionOrder.objects.exists()


def test_the_panel_shows_the_leader_and_the_sign_off_when_resolved(
    world, village_clerk, town_head, county_officer, county_leader
):
    dispute = at_county(world, village_clerk, town_head, county_officer, risk="major")
    ownership = ownership_assign(
        actor=county_officer,
        dispute_id=dispute.pk,
        leader=county_leader,
        plan="包案化解",
        target_date=(timezone.localdate() + timedelta(days=30)),
    )
    html = panel(county_leader, dispute)
    assert 'id="leader"' in html and county_leader.full_name in html
    assert f"/supervision/ownerships/{ownership.pk}/extend/" in html
    assert "/sign-off/" not in html
    dispute = perform("resolve", actor=county_officer, dispute=dispute, at=at(2026, 3, 4))
    assert f"/supervision/ownerships/{ownership.pk}/sign-off/" in panel(county_leader, dispute)


def test_the_pages_need_a_signed_in_user(client):
    for path in [
        "/supervision/notifications/",
        "/supervision/orders/",
        "/supervision/leader/",
        "/supervision/campaigns/",
    ]:
        assert client.get(path).status_code == 302
