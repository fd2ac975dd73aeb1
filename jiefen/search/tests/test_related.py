"""Related disputes at intake, linking and merging, and the parties' view after a merge."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.disputes.lifecycle import Invalid
from jiefen.disputes.models import Category, Dispute, Event, Party, Status
from jiefen.disputes.public import PublicFiling, dispute_file
from jiefen.disputes.services import PartyInput
from jiefen.search.intake import related_for
from jiefen.search.models import DisputeLink
from jiefen.search.services import dispute_link, dispute_merge
from jiefen.search.tests.conftest import at, register

ZHANG = "13905751234"


def _zhang(world, clerk, **overrides):
    values = dict(
        title="拖欠工资纠纷",
        description="包工头拖欠工资三个月，多次讨要未果。",
        project="枫桥镇安置房二期",
        parties=[
            PartyInput(side="applicant", name="张三丰", phone=ZHANG),
            PartyInput(
                side="respondent",
                kind="organisation",
                name="绍兴市枫桥建筑工程有限公司",
                id_number="91330681MA2BXXXX11",
            ),
        ],
    )
    values.update(overrides)
    return register(world, clerk, **values)


@pytest.fixture
def zhang(world, village_clerk):
    return _zhang(world, village_clerk)


def _suggest(actor, world, region="枫一社区", **draft):
    values = dict(title="邻里纠纷", description="", project="", parties=[])
    values.update(draft)
    return {
        s.dispute.pk: s.reasons
        for s in related_for(actor, region=world.regions[region], now=at(2026, 3, 10), **values)
    }


def test_it_suggests_the_dispute_of_the_same_party_by_digest(world, zhang, village_clerk):
    found = _suggest(
        village_clerk, world, parties=[PartyInput(side="applicant", name="张三", phone=ZHANG)]
    )
    assert found == {zhang.pk: ["same_party"]}


def test_it_suggests_the_same_respondent_organisation_and_project(world, zhang, village_clerk):
    org = PartyInput(
        side="respondent", kind="organisation", name="另一个名字", id_number="91330681MA2BXXXX11"
    )
    # The credit code is the organisation's ID number: its digest matches too.
    assert _suggest(village_clerk, world, parties=[org]) == {
        zhang.pk: ["same_party", "same_respondent"]
    }
    assert _suggest(village_clerk, world, project="枫桥镇安置房二期") == {
        zhang.pk: ["same_project"]
    }


def test_it_suggests_a_similar_text_of_the_same_town_in_half_a_year(world, zhang, town_head):
    found = _suggest(town_head, world, region="永安社区", title="包工头拖欠工资")
    assert found == {zhang.pk: ["similar_text"]}
    later = related_for(
        town_head,
        region=world.regions["永安社区"],
        title="包工头拖欠工资",
        parties=[],
        now=at(2026, 10, 1),
    )
    assert later == []


def test_a_foreign_dispute_is_never_suggested(world, other_town_head, village_clerk):
    foreign = _zhang(world, other_town_head, body="店口镇", region="店口社区居委会")
    draft = dict(
        title="包工头拖欠工资",
        project="枫桥镇安置房二期",
        parties=[PartyInput(side="applicant", name="张三丰", phone=ZHANG)],
    )
    assert foreign.pk not in _suggest(village_clerk, world, **draft)


def _form(world, **overrides):
    from jiefen.disputes.forms import once_new

    data = {
        "once": once_new(),
        "body": str(world.bodies["枫一社区"].pk),
        "category": str(Category.objects.get(key="labour").pk),
        "channel": "walk_in",
        "region": str(world.regions["枫一社区"].code),
        "title": "工资又被拖欠",
        "description": "张三丰再次来访，说包工头仍未支付工资。",
        "project": "",
        "people_involved": "1",
        "risk": "ordinary",
        "parties-TOTAL_FORMS": "1",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "1",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-side": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "张三丰",
        "parties-0-phone": ZHANG,
        "parties-0-id_number": "",
        "parties-0-address": "",
    }
    data.update(overrides)
    return data


def test_the_form_proposes_the_related_dispute_before_registering(
    world, zhang, village_clerk, client
):
    client.force_login(village_clerk)
    response = client.post("/disputes/new/", _form(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert zhang.number in html and "同一当事人" in html
    assert ZHANG not in html.replace(f'value="{ZHANG}"', "")  # only in the typed field
    assert Dispute.objects.count() == 1


def test_the_clerk_registers_and_links(world, zhang, village_clerk, client):
    client.force_login(village_clerk)
    response = client.post(
        "/disputes/new/",
        _form(
            world,
            related_choice=f"link:{zhang.pk}",
            **{f"related_reasons_{zhang.pk}": "same_party"},
        ),
    )
    new = Dispute.objects.exclude(pk=zhang.pk).get()
    assert response.status_code == 302
    link = DisputeLink.objects.get()
    assert (link.source, link.target, link.kind, link.reasons) == (
        new,
        zhang,
        "related",
        ["same_party"],
    )
    for d, other in ((new, zhang), (zhang, new)):
        event = Event.objects.get(dispute=d, action="link")
        assert event.actor == village_clerk and event.params["other"] == other.number
        assert event.public is False
    page = client.get(f"/disputes/{zhang.pk}/").content.decode()
    assert new.number in page and "同一当事人" in page and "关联纠纷" in page


def test_the_clerk_adds_the_facts_instead_of_registering(world, zhang, village_clerk, client):
    client.force_login(village_clerk)
    response = client.post("/disputes/new/", _form(world, related_choice=f"attach:{zhang.pk}"))
    assert response.status_code == 302
    assert Dispute.objects.count() == 1
    event = Event.objects.get(dispute=zhang, action="facts_added")
    assert "仍未支付" in event.reason
    assert Party.objects.filter(dispute=zhang).count() == 2  # 张三丰 was already a party


def test_the_clerk_registers_anyway(world, zhang, village_clerk, client):
    client.force_login(village_clerk)
    client.post("/disputes/new/", _form(world, related_choice="register"))
    assert Dispute.objects.count() == 2 and not DisputeLink.objects.exists()


def test_linking_a_foreign_dispute_is_refused(world, zhang, other_town_head, village_clerk):
    foreign = _zhang(world, other_town_head, body="店口镇", region="店口社区居委会")
    with pytest.raises(Exception) as refused:
        dispute_link(actor=village_clerk, source_id=zhang.pk, target_id=foreign.pk, reasons=[])
    assert "不在您的管辖范围" in str(refused.value.message)
    assert not DisputeLink.objects.exists()


@pytest.fixture
def filed(world):
    cache.clear()
    data = PublicFiling(
        region=world.regions["枫一社区"],
        category=Category.objects.get(key="labour"),
        title="工资被拖欠",
        description="包工头拖欠工资，至今未付。",
        parties=[PartyInput(side="applicant", name="张三丰", phone=ZHANG)],
    )
    return dispute_file(data=data, at=at(2026, 3, 5))


def test_an_online_repeat_is_flagged_to_staff_only(world, zhang, filed, village_clerk, client):
    dispute, code = filed
    client.force_login(village_clerk)
    staff = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "可能与下列纠纷重复" in staff and zhang.number in staff
    client.logout()
    client.post("/public/follow/", {"number": dispute.number, "code": code})
    party = client.get("/public/follow/").content.decode()
    assert zhang.number not in party and "重复" not in party


def test_merge_declines_the_repeat_and_its_party_follows_the_other(
    world, zhang, filed, village_head, client
):
    dispute, code = filed
    dispute_merge(actor=village_head, source_id=dispute.pk, target_id=zhang.pk, note="同一件事")
    dispute.refresh_from_db()
    assert dispute.status == Status.DECLINED
    assert Event.objects.get(dispute=dispute, action="merge").params == {"into": zhang.number}
    assert Event.objects.get(dispute=zhang, action="merged_from").actor == village_head
    client.post("/public/follow/", {"number": dispute.number, "code": code})
    party = client.get("/public/follow/").content.decode()
    assert "继续办理" in party and zhang.number in party
    assert "绍兴市枫桥建筑工程有限公司" not in party  # nothing of the other dispute's parties
    client.force_login(village_head)
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert f"本纠纷已并入 {zhang.number}" in page


def test_an_accepted_dispute_cannot_be_merged(world, zhang, village_head, registered):
    from jiefen.disputes.services import dispute_accept

    dispute_accept(actor=village_head, dispute_id=registered.pk, version=None)
    with pytest.raises(Invalid):
        dispute_merge(actor=village_head, source_id=registered.pk, target_id=zhang.pk)
    assert not DisputeLink.objects.exists()


def _suggested_on_page(client, dispute) -> list[str]:
    html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    panel = html.split('id="related"', 1)[1].split("</section>", 1)[0]
    return list(dict.fromkeys(re.findall(r'name="number" value="([^"]+)"', panel)))


def test_the_page_keeps_its_suggestions_until_a_registration_changes_them(
    world, zhang, village_clerk, client, django_capture_on_commit_callbacks
):
    """The suggestions are kept between views (no search per view) and are what related_for
    answers: a new dispute of the same party appears on the next view, and a dispute the clerk
    linked leaves the suggestions for the links."""
    client.force_login(village_clerk)
    later = _zhang(world, village_clerk, title="再次讨薪", when=at(2026, 3, 6))
    assert _suggested_on_page(client, zhang) == [later.number]
    with CaptureQueriesContext(connection) as warm:
        assert _suggested_on_page(client, zhang) == [later.number]
    assert not [q for q in warm.captured_queries if "search_key" in q["sql"]]

    with django_capture_on_commit_callbacks(execute=True):
        third = _zhang(world, village_clerk, title="第三次讨薪", when=at(2026, 3, 7))
    expected = [
        s.dispute.number
        for s in related_for(
            village_clerk,
            region=zhang.region,
            title=zhang.title,
            description=zhang.description,
            project=zhang.project,
            parties=list(zhang.parties.all()),
            exclude=zhang.pk,
        )
    ]
    assert set(expected) == {later.number, third.number}
    assert _suggested_on_page(client, zhang) == expected

    with django_capture_on_commit_callbacks(execute=True):
        dispute_link(actor=village_clerk, source_id=zhang.pk, target_id=third.pk, reasons=[])
    assert _suggested_on_page(client, zhang) == [later.number]
