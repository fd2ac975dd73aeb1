"""Clean-up campaigns (集中清理): selection by rule inside the jurisdiction, owners and leaders,
progress by town, and a result kept when the campaign ends."""

import re

import pytest

from jiefen.disputes.lifecycle import Conflict, Forbidden, Invalid
from jiefen.disputes.tests.steps import perform
from jiefen.org.models import Role
from jiefen.supervision.models import Campaign, CampaignItem, Notification
from jiefen.supervision.services import campaign_close, campaign_create, campaign_item_assign
from jiefen.supervision.tests.conftest import at, at_county, register

WHEN = at(2026, 6, 1)


@pytest.fixture
def disputes(world, village_clerk, village_head, town_head, county_officer):
    """Open long, sent up twice, reopened, fresh, closed — and one in another town."""
    old = perform(
        "accept",
        actor=village_clerk,
        dispute=register(world, village_clerk, when=at(2026, 1, 5)),
        at=at(2026, 1, 5, 11),
    )
    twice = at_county(world, village_clerk, town_head, county_officer, when=at(2026, 5, 10))
    again = register(world, village_clerk, when=at(2026, 5, 10))
    for i, (action, actor) in enumerate(
        [("accept", village_clerk), ("resolve", village_clerk), ("reopen", village_head)], 1
    ):
        again = perform(action, actor=actor, dispute=again, at=at(2026, 5, 10 + i))
    fresh = register(world, village_clerk, when=at(2026, 5, 20))
    closed = perform(
        "decline",
        actor=village_clerk,
        dispute=register(world, village_clerk, when=at(2026, 1, 5)),
        at=at(2026, 1, 5, 11),
    )
    diankou_clerk = world.person("clerk_diankou", "俞海燕", "店口社区居委会", Role.CLERK)
    elsewhere = register(
        world, diankou_clerk, body="店口社区居委会", region="店口社区居委会", when=at(2026, 1, 5)
    )
    return {
        "old": old,
        "twice": twice,
        "again": again,
        "fresh": fresh,
        "closed": closed,
        "elsewhere": elsewhere,
    }


def create(actor, world, **overrides):
    arguments = {
        "actor": actor,
        "name": "2026 年二季度积案集中清理",
        "year": 2026,
        "quarter": 2,
        "region": world.regions["枫桥镇"],
        "open_days": 90,
        "min_transfers": 2,
        "reopened": True,
        "at": WHEN,
    }
    return campaign_create(**(arguments | overrides))


def test_it_selects_the_open_disputes_that_match_a_rule(
    world, disputes, town_head, village_clerk, town_leader, county_leader
):
    campaign = create(town_head, world)
    items = {i.dispute_id: i for i in campaign.items.all()}
    assert set(items) == {disputes[k].pk for k in ("old", "twice", "again")}
    assert items[disputes["old"].pk].matched == ["open_days"]
    assert items[disputes["twice"].pk].matched == ["transfers"]
    assert items[disputes["again"].pk].matched == ["reopened"]
    assert items[disputes["old"].pk].owner == village_clerk
    assert items[disputes["twice"].pk].owner_id == disputes["twice"].owner_id
    assert {i.leader_id for i in items.values()} == {town_leader.pk}  # the nearest leader
    assert Notification.objects.filter(kind="campaign", recipient=town_leader).count() == 3


@pytest.mark.parametrize(
    ("rule", "selected"),
    [
        ({"min_transfers": None, "reopened": False}, {"old"}),
        ({"open_days": None, "reopened": False}, {"twice"}),
        ({"open_days": None, "min_transfers": None}, {"again"}),
        ({"open_days": 15, "min_transfers": None, "reopened": False}, {"old", "twice", "again"}),
    ],
)
def test_each_rule_selects_on_its_own(world, disputes, town_head, rule, selected):
    campaign = create(town_head, world, **rule)
    assert set(campaign.items.values_list("dispute_id", flat=True)) == {
        disputes[k].pk for k in selected
    }


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"open_days": None, "min_transfers": None, "reopened": False}, Invalid),
        ({"quarter": 5}, Invalid),
        ({"year": 2020}, Invalid),
        ({"name": ""}, Invalid),
        ({"open_days": 0}, Invalid),
        ({"region": None}, Invalid),
        ({"open_days": 3000, "min_transfers": 9, "reopened": False}, Invalid),  # none match
        ({"region": "店口镇"}, Forbidden),
        ({"region": "诸暨市"}, Forbidden),  # above the town head
    ],
)
def test_it_refuses_a_bad_campaign_and_writes_nothing(world, disputes, town_head, change, error):
    if isinstance(change.get("region"), str):
        change["region"] = world.regions[change["region"]]
    with pytest.raises(error):
        create(town_head, world, **change)
    assert not Campaign.objects.exists() and not CampaignItem.objects.exists()
    assert not Notification.objects.filter(kind="campaign").exists()


def test_a_clerk_cannot_start_a_campaign(world, disputes, village_clerk):
    with pytest.raises(Forbidden):
        create(village_clerk, world, region=world.regions["枫一社区"])


def test_it_reports_progress_by_town_and_keeps_the_result(
    client, world, disputes, town_head, county_officer, village_clerk
):
    campaign = create(county_officer, world, region=world.regions["诸暨市"])
    assert campaign.items.count() == 4  # 店口镇's old dispute too
    perform("resolve", actor=village_clerk, dispute=disputes["old"], at=at(2026, 6, 5))
    client.force_login(county_officer)
    page = client.get(f"/supervision/campaigns/{campaign.pk}/").content.decode()
    assert "枫桥镇" in page and "店口镇" in page
    from jiefen.supervision.selectors import campaign_result

    result = campaign_result(campaign)
    assert result["total"] == {
        "total": 4,
        "resolved": 1,
        "closed": 0,
        "open": 3,
        "done_percent": 25.0,
    }
    assert [(t["name"], t["total"], t["resolved"]) for t in result["towns"]] == [
        ("店口镇", 1, 0),
        ("枫桥镇", 3, 1),
    ]
    closed = campaign_close(actor=county_officer, campaign_id=campaign.pk, at=at(2026, 6, 30))
    assert closed.result == result
    perform("resolve", actor=village_clerk, dispute=disputes["again"], at=at(2026, 7, 2))
    closed.refresh_from_db()
    assert closed.result["total"]["resolved"] == 1  # as it stood at the end
    with pytest.raises(Conflict):
        campaign_close(actor=county_officer, campaign_id=campaign.pk)


def test_it_reassigns_an_items_owner_and_leader(
    world, disputes, town_head, county_officer, county_leader, other_town_leader
):
    campaign = create(town_head, world)
    item = campaign.items.get(dispute=disputes["old"])
    campaign_item_assign(actor=town_head, item_id=item.pk, owner=town_head, leader=county_leader)
    item.refresh_from_db()
    assert (item.owner, item.leader) == (town_head, county_leader)
    with pytest.raises(Invalid):
        campaign_item_assign(actor=town_head, item_id=item.pk, leader=other_town_leader)


def test_the_campaign_pages_stay_in_the_jurisdiction(
    client, world, disputes, town_head, other_town_head
):
    campaign = create(town_head, world)
    client.force_login(other_town_head)
    assert client.get(f"/supervision/campaigns/{campaign.pk}/").status_code == 404
    assert campaign.name not in client.get("/supervision/campaigns/").content.decode()
    client.force_login(town_head)
    response = client.post(
        "/supervision/campaigns/",
        {
            "name": "三季度清理",
            "year": 2026,
            "quarter": 3,
            "region": world.regions["枫桥镇"].code,
            "open_days": 30,
        },
    )
    assert response.status_code == 302
    assert Campaign.objects.filter(name="三季度清理").exists()


def _summary(html):
    found = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert found, "no error summary"
    return found.group(0)


def test_an_items_refused_leader_comes_back_in_the_summary_with_the_choice_kept(
    client, world, disputes, town_head, other_town_leader, village_clerk
):
    campaign = create(town_head, world)
    item = campaign.items.get(dispute=disputes["old"])
    client.force_login(town_head)
    response = client.post(
        f"/supervision/campaigns/{campaign.pk}/items/{item.pk}/",
        {"owner": village_clerk.pk, "leader": other_town_leader.pk},
    )
    assert response.status_code == 400
    html = response.content.decode()
    summary = _summary(html)
    assert 'href="#id_leader"' in summary and "不是该纠纷所在辖区的包案领导" in summary
    assert 'id="id_leader"' in html
    # What was chosen stays chosen; the refused leader is named in the summary (he is not
    # among the leaders the select offers).
    assert re.search(rf'<option value="{village_clerk.pk}" selected>', html)
    assert str(other_town_leader) in summary
    item.refresh_from_db()
    assert item.leader_id != other_town_leader.pk


def test_an_item_sent_with_a_wrong_value_comes_back_in_the_summary(
    client, world, disputes, town_head
):
    campaign = create(town_head, world)
    item = campaign.items.get(dispute=disputes["old"])
    client.force_login(town_head)
    response = client.post(
        f"/supervision/campaigns/{campaign.pk}/items/{item.pk}/", {"owner": "abc", "leader": ""}
    )
    assert response.status_code == 400
    assert 'href="#id_owner"' in _summary(response.content.decode())


def test_a_campaign_the_service_refuses_comes_back_in_the_summary_with_what_was_typed(
    client, world, disputes, town_head
):
    client.force_login(town_head)
    response = client.post(
        "/supervision/campaigns/",
        {
            "name": "四季度清理",
            "year": 2026,
            "quarter": 4,
            "region": world.regions["枫桥镇"].code,
            "open_days": "",
            "min_transfers": "",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert _summary(html)
    assert 'value="四季度清理"' in html
    assert not Campaign.objects.exists()
