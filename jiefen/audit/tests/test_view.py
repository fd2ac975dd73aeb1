"""The audit page: auditors only, their jurisdiction, filters and keyset pages."""

import pytest

from jiefen.audit.context import Actor, acting
from jiefen.audit.models import Record
from jiefen.disputes.tests.conftest import register


@pytest.fixture
def registered(world, village_clerk):
    with acting(Actor(kind="user", user_id=village_clerk.pk, ip="10.9.8.7")):
        return register(world, village_clerk)


def test_the_auditor_sees_the_records_and_the_chain_status(client, auditor, registered):
    client.force_login(auditor)
    response = client.get("/audit/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "最近记录校验通过" in page
    assert f"#{registered.pk}" in page
    assert "登记" in page  # the registration event's action, in words
    assert "陈小梅" in page  # the actor, a member of staff
    assert "10.9.8.7" in page


@pytest.mark.parametrize("who", ["administrator", "village_clerk", "outsider", "city_evaluator"])
def test_others_get_not_found(client, request, who, registered):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/audit/").status_code == 404


def test_a_superuser_without_the_role_gets_not_found(client, world, registered):
    from jiefen.accounts.models import User

    root = User.objects.create_superuser("root", password="correct horse 9")
    client.force_login(root)
    assert client.get("/audit/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_town_auditor_sees_only_records_of_her_town(client, town_auditor, registered):
    client.force_login(town_auditor)
    page = client.get("/audit/?object=disputes.dispute").content.decode()
    assert "没有审计记录" in page  # the dispute is in 枫桥镇, not 店口镇


def test_filters_narrow_the_list(client, auditor, registered, village_clerk):
    client.force_login(auditor)
    page = client.get("/audit/?action=register").content.decode()
    assert page.count('class="seq"') == 1
    page = client.get(f"/audit/?actor={village_clerk.username}&object=disputes.party").content
    assert "没有审计记录" in page.decode()  # parties are created in bulk, no signal
    page = client.get("/audit/?actor=nobody").content.decode()
    assert "没有审计记录" in page
    response = client.get("/audit/?date_from=2026-03-02&date_to=2026-03-01")
    assert "截止日期不能早于起始日期" in response.content.decode()


def test_pages_follow_the_sequence_without_counting(
    client, auditor, world, village_clerk, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiefen.audit import views

    monkeypatch.setattr(views, "PAGE", 10)

    for _ in range(6):
        register(world, village_clerk)
    client.force_login(auditor)
    seen = []
    url = "/audit/"
    with CaptureQueriesContext(connection) as queries:
        while url:
            response = client.get(url)
            seen += [e["record"].seq for e in response.context["entries"]]
            older = response.context["older"]
            url = f"/audit/?before={older}" if older else None
    audit_queries = [
        q["sql"].upper() for q in queries.captured_queries if "AUDIT_" in q["sql"].upper()
    ]
    assert audit_queries and not [q for q in audit_queries if "COUNT(" in q]
    visible = list(Record.objects.order_by("-seq").values_list("seq", flat=True))
    assert seen == visible
    assert len(seen) > 30  # several pages
    back = client.get(f"/audit/?after={seen[20]}")
    assert [e["record"].seq for e in back.context["entries"]] == seen[10:20]
    assert back.context["newer"] == seen[10] and back.context["older"] == seen[19]


def test_records_of_a_model_from_before_it_moved_app_read_as_the_model_it_is(
    client, auditor, world
):
    """Receptions were part of the meetings app: a booking's record written then names
    meetings.receptionbooking, and still reads as a reception booking and is found by its
    filter."""
    from jiefen.audit import chain

    region = world.bodies["诸暨市"].region_code
    for app_label in ("meetings", "receptions"):
        chain.append(
            actor=Actor(kind="system", system="test"),
            action="create",
            app_label=app_label,
            model="receptionbooking",
            object_pk=7,
            region_code=region,
        )
    client.force_login(auditor)
    page = client.get("/audit/?object=receptions.receptionbooking").content.decode()
    assert page.count('class="seq"') == 2
    assert "meetings.receptionbooking" not in page and page.count("接访预约") >= 2
