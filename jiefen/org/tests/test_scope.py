import pytest
from django.http import Http404

from jiefen.org.models import Body, Role
from jiefen.org.scope import bodies_for, body_for, can, scope_of, staff_for


def test_it_limits_a_village_clerk_to_her_village(world, village_clerk):
    scope = scope_of(village_clerk)
    assert scope.contains(330681109008)
    assert not scope.contains(330681109009)
    assert not scope.contains(330681109000)
    assert set(bodies_for(village_clerk).values_list("name", flat=True)) == {
        "枫一社区村（社区）调处工作组"
    }


def test_it_gives_a_town_head_the_towns_villages(world, town_head):
    names = set(bodies_for(town_head).values_list("region__name", flat=True))
    assert names == {"枫桥镇", "枫一社区", "永安社区"}
    assert not scope_of(town_head).contains(330681104004)


def test_it_answers_404_for_a_body_outside_the_jurisdiction(world, village_clerk):
    other = Body.objects.get(region__name="永安社区")
    with pytest.raises(Http404):
        body_for(village_clerk, other.pk)
    with pytest.raises(Http404):
        body_for(village_clerk, 987654321)
    with pytest.raises(Http404):
        body_for(village_clerk, "not-a-number")


def test_it_never_lists_staff_outside_the_subtree(
    world, village_clerk, other_village_clerk, town_head, county_officer
):
    assert set(staff_for(village_clerk).values_list("username", flat=True)) == {"clerk_fengyi"}
    assert set(staff_for(town_head).values_list("username", flat=True)) == {
        "clerk_fengyi",
        "clerk_yongan",
        "head_fengqiao",
    }
    assert "officer_zhuji" in set(staff_for(county_officer).values_list("username", flat=True))


def test_it_gives_an_outsider_nothing(world, outsider):
    assert scope_of(outsider).empty
    assert not bodies_for(outsider).exists()
    assert not can(outsider, 330681109008, [Role.CLERK])


def test_it_checks_roles_at_a_place(world, town_head, village_clerk):
    assert can(town_head, 330681109008, [Role.HEAD])
    assert not can(village_clerk, 330681109008, [Role.HEAD])
    assert can(village_clerk, 330681109008, [Role.CLERK])
