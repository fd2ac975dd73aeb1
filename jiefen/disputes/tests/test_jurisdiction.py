"""Who sees which dispute: a village clerk her village, a town head the town's villages, an
outsider nothing — through the access helper, the list and search, the services and the web."""

import pytest

from jiefen.disputes import access
from jiefen.disputes.lifecycle import Forbidden, NotFound
from jiefen.disputes.models import Dispute
from jiefen.disputes.selectors import dispute_list, queue_for
from jiefen.disputes.tests.conftest import at, register
from jiefen.disputes.tests.steps import perform, snapshot


@pytest.fixture
def fengyi(world, village_clerk):
    """A dispute of 枫一社区."""
    return register(world, village_clerk, title="枫一院墙争议", when=at(2026, 3, 2))


@pytest.fixture
def yongan(world, other_village_clerk):
    """A dispute of 永安社区, in the same town."""
    return register(
        world,
        other_village_clerk,
        body="永安社区",
        region="永安社区",
        title="永安水渠争议",
        when=at(2026, 3, 2, 11),
    )


def _listed(actor, **filters):
    return {d.number for d in dispute_list(actor, filters, today=at(2026, 3, 3).date()).rows}


def _missing_id():
    return (Dispute.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1000


def test_it_answers_another_village_exactly_as_for_a_dispute_that_does_not_exist(
    fengyi, other_village_clerk
):
    with pytest.raises(NotFound) as other_village:
        access.dispute_for(other_village_clerk, fengyi.pk)
    with pytest.raises(NotFound) as nowhere:
        access.dispute_for(other_village_clerk, _missing_id())
    with pytest.raises(NotFound) as nonsense:
        access.dispute_for(other_village_clerk, "1 OR 1=1")
    assert str(other_village.value.message) == str(nowhere.value.message)
    assert str(nonsense.value.message) == str(nowhere.value.message)
    with pytest.raises(NotFound) as by_number:
        access.dispute_by_number(other_village_clerk, fengyi.number)
    assert str(by_number.value.message) == str(nowhere.value.message)


def test_it_never_lists_another_villages_dispute(
    fengyi, yongan, village_clerk, other_village_clerk
):
    assert _listed(other_village_clerk) == {yongan.number}
    assert _listed(other_village_clerk, q=fengyi.number) == set()
    assert _listed(other_village_clerk, q="枫一院墙") == set()
    assert _listed(other_village_clerk, q="330681109") == {yongan.number}
    assert _listed(other_village_clerk, region=fengyi.region_code) == set()
    assert _listed(other_village_clerk, status="open") == {yongan.number}
    assert _listed(village_clerk) == {fengyi.number}
    assert _listed(village_clerk, q=fengyi.number) == {fengyi.number}
    assert access.disputes_for(other_village_clerk).filter(pk=fengyi.pk).count() == 0


def test_it_shows_the_town_head_every_village_of_the_town(
    fengyi, yongan, town_head, other_town_head, world
):
    diankou = register(world, other_town_head, body="店口镇", region="店口社区居委会")
    assert _listed(town_head) == {fengyi.number, yongan.number}
    assert access.dispute_for(town_head, fengyi.pk) == fengyi
    assert access.dispute_for(town_head, yongan.pk) == yongan
    with pytest.raises(NotFound):
        access.dispute_for(town_head, diankou.pk)
    assert _listed(other_town_head) == {diankou.number}


def test_it_shows_the_county_and_the_city_everything_below_them(
    fengyi, yongan, county_officer, city_evaluator
):
    assert _listed(county_officer) == {fengyi.number, yongan.number}
    assert _listed(city_evaluator) == {fengyi.number, yongan.number}


def test_it_shows_an_outsider_nothing(fengyi, yongan, outsider):
    assert _listed(outsider) == set()
    assert _listed(outsider, q=fengyi.number) == set()
    with pytest.raises(NotFound):
        access.dispute_for(outsider, fengyi.pk)
    assert all(rows == [] for rows in queue_for(outsider).values())


def test_it_keeps_another_villages_dispute_out_of_the_queue(fengyi, yongan, other_village_clerk):
    queue = queue_for(other_village_clerk)
    assert [d.pk for d in queue["held"]] == [yongan.pk]
    assert fengyi.pk not in {d.pk for rows in queue.values() for d in rows}


@pytest.mark.parametrize("action", ["accept", "decline", "transfer"])
def test_it_refuses_a_move_from_outside_as_not_found(fengyi, other_village_clerk, outsider, action):
    before = snapshot(fengyi.pk)
    for stranger in (other_village_clerk, outsider):
        with pytest.raises(NotFound):
            perform(action, actor=stranger, dispute=fengyi, at=at(2026, 3, 3))
    assert snapshot(fengyi.pk) == before


@pytest.mark.parametrize("action", ["accept", "decline", "transfer"])
def test_it_refuses_a_move_from_inside_without_the_role_as_forbidden(
    fengyi, town_head, city_evaluator, county_officer, action
):
    before = snapshot(fengyi.pk)
    # All three see the village's dispute; none of them works in the village's group.
    for onlooker in (town_head, city_evaluator, county_officer):
        with pytest.raises(Forbidden):
            perform(action, actor=onlooker, dispute=fengyi, at=at(2026, 3, 3))
    assert snapshot(fengyi.pk) == before
    assert access.available_moves(city_evaluator, fengyi) == []


# --- through the web ----------------------------------------------------------------------------


def _rows(response):
    """The list's rows only: the search box echoes the query."""
    html = response.content.decode()
    return html.split('<ul class="rows">', 1)[1].split("</ul>", 1)[0]


def test_it_answers_404_on_the_detail_page_of_another_village(
    client, fengyi, village_clerk, other_village_clerk
):
    client.force_login(other_village_clerk)
    assert client.get(f"/disputes/{fengyi.pk}/").status_code == 404
    assert client.get(f"/disputes/{_missing_id()}/").status_code == 404
    client.force_login(village_clerk)
    response = client.get(f"/disputes/{fengyi.pk}/")
    assert response.status_code == 200
    assert fengyi.number in response.content.decode()


def test_it_finds_nothing_when_another_village_searches_by_number(
    client, fengyi, yongan, village_clerk, other_village_clerk
):
    client.force_login(other_village_clerk)
    response = client.get("/disputes/", {"q": fengyi.number})
    assert response.status_code == 200
    rows = _rows(response)
    assert fengyi.number not in rows
    assert f"/disputes/{fengyi.pk}/" not in response.content.decode()
    assert "没有纠纷" in rows
    listing = client.get("/disputes/").content.decode()
    assert yongan.number in listing and fengyi.number not in listing

    client.force_login(village_clerk)
    assert fengyi.number in _rows(client.get("/disputes/", {"q": fengyi.number}))


def test_it_answers_404_to_a_guessed_action_url_and_changes_nothing(
    client, fengyi, other_village_clerk
):
    before = snapshot(fengyi.pk)
    client.force_login(other_village_clerk)
    response = client.post(f"/disputes/{fengyi.pk}/act/accept/", {"version": fengyi.version})
    assert response.status_code == 404
    response = client.post(
        f"/disputes/{fengyi.pk}/act/transfer/", {"version": fengyi.version, "reason": "试探"}
    )
    assert response.status_code == 404
    assert snapshot(fengyi.pk) == before


def test_it_sends_an_anonymous_visitor_to_sign_in(client, fengyi):
    response = client.get(f"/disputes/{fengyi.pk}/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
