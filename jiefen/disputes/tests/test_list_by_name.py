"""The list's filters on a phone: folded behind one control, the place and the body chosen by
name (typed, or picked from suggestions drawn from the reader's jurisdiction only)."""

import re

import pytest
from django.urls import reverse

from jiefen.disputes.tests.conftest import register
from jiefen.regions.models import Level, Region

pytestmark = pytest.mark.django_db


def listed(client, **query):
    html = client.get(reverse("disputes:list"), query).content.decode()
    return html, re.findall(r"330681\d{3}-\d{4}-\d{6}", html)


def box(html, name):
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


def test_a_place_typed_by_name_filters_as_its_code_does(client, world, village_clerk, town_head):
    here = register(world, village_clerk)
    register(world, town_head, region="永安社区", body="枫桥镇")
    client.force_login(town_head)
    _, by_code = listed(client, region=str(world.regions["枫一社区"].code))
    html, by_name = listed(client, region="枫一社区")
    assert by_name == by_code == [here.number]
    assert 'value="枫一社区"' in box(html, "region")


def test_a_link_with_a_code_or_an_id_shows_the_name(client, world, village_clerk, town_head):
    register(world, village_clerk)
    client.force_login(town_head)
    holder = world.bodies["枫一社区"]
    html, _ = listed(client, region=str(world.regions["枫一社区"].code), holder=str(holder.pk))
    assert 'value="枫一社区"' in box(html, "region")
    assert f'value="{holder.name}"' in box(html, "holder")


def test_a_name_outside_the_jurisdiction_is_refused_with_a_message(
    client, world, village_clerk, town_head
):
    register(world, village_clerk)
    client.force_login(town_head)
    html, _ = listed(client, region="店口社区居委会")
    assert "管辖范围内没有名为“店口社区居委会”的单位或区划" in html
    assert 'value="店口社区居委会"' in box(html, "region")  # what was typed is kept


def test_a_name_two_places_share_asks_for_one_and_the_suggestion_tells_them_apart(
    client, world, county_officer
):
    Region.objects.create(
        code=330681104009, name="枫一社区", level=Level.VILLAGE, parent=world.regions["店口镇"]
    )
    client.force_login(county_officer)
    html, _ = listed(client, region="枫一社区")
    assert "有 2 个名为“枫一社区”的单位或区划" in html
    found = client.get(reverse("disputes:suggest"), {"field": "region", "q": "枫一"}).json()
    values = {r["value"] for r in found["results"]}
    assert values == {"枫一社区（330681109008）", "枫一社区（330681104009）"}
    html, _ = listed(client, region="枫一社区（330681104009）")
    assert "有 2 个" not in html and "管辖范围内没有" not in html


def test_suggestions_come_from_the_readers_jurisdiction_only(client, world, town_head):
    client.force_login(town_head)
    places = client.get(reverse("disputes:suggest"), {"field": "region", "q": "社区"}).json()
    assert {r["value"] for r in places["results"]} == {"枫一社区", "永安社区"}
    bodies = client.get(reverse("disputes:suggest"), {"field": "holder", "q": "镇"}).json()
    assert [r["value"] for r in bodies["results"]] == [world.bodies["枫桥镇"].name]
    assert client.get(reverse("disputes:suggest"), {"field": "party", "q": "张"}).json() == {
        "results": []
    }


def test_the_filters_fold_behind_one_control_that_says_how_many_are_set(
    client, world, village_clerk
):
    register(world, village_clerk)
    client.force_login(village_clerk)
    html, _ = listed(client)
    fold = re.search(r'<details class="fold filters-fold" id="filters"([^>]*)>', html)
    assert fold and "open" not in fold.group(1)
    html, _ = listed(client, status="open", mass="1")
    assert re.search(r"<summary>筛选（已设 2 项）</summary>", html)
    html, _ = listed(client, tier="moon")
    assert re.search(r'id="filters" open>', html)  # an error is shown, not folded away
