"""The routing catalogue: entries refused when they overlap or point outside their region, and
the most specific entry chosen for a dispute, with its reason."""

from decimal import Decimal

import pytest

from jiefen.disputes.models import Category
from jiefen.lib.errors import Invalid
from jiefen.mediators.catalogue import route_entry_save, route_for
from jiefen.mediators.models import RouteEntry
from jiefen.mediators.tests.conftest import register
from jiefen.regions.models import Level


def entry(world, bodies, **more):
    fields = dict(
        region=world.regions["诸暨市"],
        level=Level.TOWN,
        category=Category.objects.get(key="labour"),
        department=bodies["诸暨市人社局"],
        committee=bodies["诸暨市劳动调委会"],
        source="诸暨市人社局权责清单第12项：劳动争议调解",
    )
    fields.update(more)
    return RouteEntry(**fields)


def test_it_refuses_a_department_of_another_county(world, bodies):
    with pytest.raises(Invalid) as refused:
        route_entry_save(entry=entry(world, bodies, department=bodies["嵊州市人社局"]))
    assert "department" in refused.value.fields
    assert "诸暨市" in refused.value.fields["department"][0]
    assert not RouteEntry.objects.exists()


def test_it_refuses_a_tier_body_as_committee_and_asks_for_the_source(world, bodies):
    with pytest.raises(Invalid) as refused:
        route_entry_save(entry=entry(world, bodies, committee=bodies["枫桥镇"], source=" "))
    assert set(refused.value.fields) == {"committee", "source"}


def test_it_refuses_overlapping_entries(world, bodies):
    route_entry_save(entry=entry(world, bodies, amount_max=Decimal("50000")))
    with pytest.raises(Invalid) as refused:
        route_entry_save(entry=entry(world, bodies, amount_min=Decimal("20000")))
    assert "重叠" in refused.value.fields["category"][0]
    assert RouteEntry.objects.count() == 1


def test_it_refuses_an_amount_entry_beside_a_people_entry(world, bodies):
    route_entry_save(entry=entry(world, bodies, amount_min=Decimal("100000")))
    with pytest.raises(Invalid):
        route_entry_save(entry=entry(world, bodies, people_min=10))


def test_it_accepts_adjacent_ranges_a_refinement_and_another_keyword(world, bodies):
    route_entry_save(entry=entry(world, bodies))
    route_entry_save(entry=entry(world, bodies, amount_max=Decimal("50000")))
    route_entry_save(entry=entry(world, bodies, amount_min=Decimal("50000")))
    route_entry_save(entry=entry(world, bodies, keyword="工伤"))
    route_entry_save(entry=entry(world, bodies, level=Level.COUNTY))
    assert RouteEntry.objects.count() == 5


def test_it_refuses_an_upper_bound_not_above_the_lower(world, bodies):
    with pytest.raises(Invalid) as refused:
        route_entry_save(entry=entry(world, bodies, people_min=10, people_max=10))
    assert "people_max" in refused.value.fields


def test_the_most_specific_entry_wins(world, bodies, village_clerk):
    general = route_entry_save(entry=entry(world, bodies, committee=None))
    town = route_entry_save(entry=entry(world, bodies, region=world.regions["枫桥镇"]))
    keyword = route_entry_save(entry=entry(world, bodies, keyword="欠薪"))
    big = route_entry_save(entry=entry(world, bodies, keyword="欠薪", people_min=10))
    labour = Category.objects.get(key="labour")

    wages = register(world, village_clerk, category=labour, title="欠薪", people_involved=3)
    # 枫桥镇's own entry is narrower in region than 诸暨市's keyword entries.
    assert route_for(wages, level=Level.TOWN).entry == town
    town.active = False
    route_entry_save(entry=town)
    chosen = route_for(wages, level=Level.TOWN)
    assert chosen.entry == keyword
    assert chosen.others == 1
    assert "欠薪" in chosen.reason and "权责清单第12项" in chosen.reason

    mass = register(world, village_clerk, category=labour, title="欠薪", people_involved=12)
    assert route_for(mass, level=Level.TOWN).entry == big
    other = register(world, village_clerk, category=labour, title="加班费")
    assert route_for(other, level=Level.TOWN).entry == general
    assert route_for(other, level=Level.COUNTY) is None
    neighbours = register(world, village_clerk)
    assert route_for(neighbours, level=Level.TOWN) is None
