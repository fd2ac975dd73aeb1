"""The demo loads once per module (about a second) inside a transaction that is rolled back at
the end; each test runs in a savepoint of its own on top of it, as pytest-django's `db` does."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import override_settings

from jiefen.accounts.models import User
from jiefen.demo.mediators import demo_load_mediators
from jiefen.demo.services import (
    ACCOUNTS,
    DEPARTMENTS,
    FENGYI,
    PASSWORD,
    ZHUJI,
    demo_load_foundation,
)
from jiefen.org.models import TIER_KINDS, Body, BodyKind, DepartmentType, Membership, Role
from jiefen.org.scope import scope_of
from jiefen.regions.models import Level, Region

SHAOXING = 330600000000


def everything():
    """Every row the demo writes, to compare two runs."""
    return [
        list(Region.objects.order_by("code").values_list()),
        list(Body.objects.order_by("pk").values_list()),
        list(DepartmentType.objects.order_by("pk").values_list()),
        list(User.objects.order_by("pk").values_list()),
        list(Membership.objects.order_by("pk").values_list()),
    ]


# Hashing the demo password for real takes a third of a second each time; not the point here.
def fast_hashing():
    return override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), fast_hashing(), transaction.atomic():
        result = demo_load_foundation()
        demo_load_mediators()
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded, db):
    with fast_hashing():
        yield loaded


def test_it_loads_shaoxing_and_the_province_only(demo):
    shaoxing = Region.objects.get(code=SHAOXING)
    counts = {
        level: shaoxing.subtree().filter(level=level).count()
        for level in (Level.COUNTY, Level.TOWN, Level.VILLAGE)
    }
    assert counts == {Level.COUNTY: 6, Level.TOWN: 103, Level.VILLAGE: 2168}
    assert list(Region.objects.filter(level__lte=Level.CITY).values_list("name", flat=True)) == [
        "浙江省",
        "绍兴市",
    ]
    assert Region.objects.count() == 1 + 1 + 6 + 103 + 2168


def test_it_gives_every_unit_one_tier_body_of_the_right_kind(demo):
    expected = {
        Level.CITY: BodyKind.CITY_OFFICE,
        Level.COUNTY: BodyKind.COUNTY_MEETING,
        Level.TOWN: BodyKind.TOWN_CENTRE,
        Level.VILLAGE: BodyKind.VILLAGE_GROUP,
    }
    tier = Body.objects.filter(kind__in=TIER_KINDS)
    pairs = set(tier.values_list("region__level", "kind"))
    assert pairs == {(level.value, kind.value) for level, kind in expected.items()}
    assert tier.count() == Region.objects.filter(level__gte=Level.CITY).count() == 2278
    assert Body.objects.get(region_id=330681109000, kind=BodyKind.TOWN_CENTRE).name == (
        "枫桥镇矛调中心"
    )
    assert Body.objects.get(region_id=330681000000, kind=BodyKind.COUNTY_MEETING).name == (
        "诸暨市县级联席会议"
    )
    assert Body.objects.get(region_id=330681109008).name == "枫一社区调处工作组"
    # Denormalised by hand, since bulk_create skips Body.save().
    assert not Body.objects.exclude(region_code=F("region_id")).exists()


def test_it_gives_every_town_a_class_and_a_population(demo):
    towns = Region.objects.filter(level=Level.TOWN)
    assert not towns.filter(town_class__isnull=True).exists()
    assert not towns.filter(population__isnull=True).exists()
    assert set(towns.values_list("town_class", flat=True)) == {1, 2, 3}
    total = sum(towns.values_list("population", flat=True))
    assert 4_500_000 < total < 6_500_000
    assert towns.get(code=330681109000).town_class == 1


def test_it_sets_up_departments_at_counties_and_towns(demo):
    assert DepartmentType.objects.count() == len(DEPARTMENTS)
    land = DepartmentType.objects.get(key="land")
    assert "housing_land" in land.matters.split(",")
    for county in Region.objects.filter(level=Level.COUNTY):
        departments = Body.objects.filter(region=county, kind=BodyKind.DEPARTMENT)
        assert departments.count() == len(DEPARTMENTS)
    fengqiao = set(
        Body.objects.filter(region_id=330681109000, kind=BodyKind.DEPARTMENT).values_list(
            "department_type__key", "name"
        )
    )
    assert fengqiao == {
        ("police", "诸暨市公安局枫桥派出所"),
        ("justice", "诸暨市司法局枫桥司法所"),
        ("court", "诸暨市人民法院枫桥人民法庭"),
    }
    towns = Region.objects.filter(level=Level.TOWN)
    assert Body.objects.filter(department_type__key="police", region__in=towns).count() == 103
    assert 0 < Body.objects.filter(department_type__key="court", region__in=towns).count() < 103


def test_it_creates_the_demo_accounts_with_their_roles(demo):
    roles = set(Membership.objects.values_list("user__username", "body__name", "role").order_by())
    assert roles == {
        ("clerk", "枫一社区调处工作组", Role.CLERK),
        ("clerk", "枫一社区调处工作组", Role.MEDIATOR),
        ("townhead", "枫桥镇矛调中心", Role.HEAD),
        ("townhead", "枫桥镇矛调中心", Role.MEDIATOR),
        ("county", "诸暨市县级联席会议", Role.CLERK),
        ("county", "诸暨市县级联席会议", Role.HEAD),
        ("leader", "诸暨市县级联席会议", Role.LEADER),
        ("evaluator", "绍兴市矛调办公室", Role.EVALUATOR),
        ("auditor", "绍兴市矛调办公室", Role.AUDITOR),
        ("admin", "绍兴市矛调办公室", Role.ADMIN),
    }
    for account in ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.check_password(PASSWORD)
        assert user.is_superuser == user.is_staff == (account.username == "admin")
    clerk = User.objects.get(username="clerk")
    assert scope_of(clerk).contains(330681109008)
    assert not scope_of(clerk).contains(330681109009)


def test_it_is_idempotent(demo):
    before = everything()

    again = demo_load_foundation()

    assert not again.changed
    assert again.regions.unchanged == 2279
    assert everything() == before


def test_it_keeps_what_an_administrator_changed(demo):
    Region.objects.filter(code=330681109000).update(town_class=2, population=12345)
    Body.objects.filter(region_id=330681109008).update(name="枫一社区人民调解委员会")

    demo_load_foundation()

    fengqiao = Region.objects.get(code=330681109000)
    assert (fengqiao.town_class, fengqiao.population) == (2, 12345)
    assert Body.objects.get(region_id=330681109008).name == "枫一社区人民调解委员会"


def test_it_reports_what_the_first_run_added(demo):
    assert demo.regions.added == 2279
    assert demo.towns_classified == 103
    assert demo.department_types_added == len(DEPARTMENTS)
    # The specialised committees come with the mediators (demo_load_mediators), not here.
    assert demo.bodies_added == Body.objects.filter(kind__in=[*TIER_KINDS, "department"]).count()
    assert (demo.accounts_added, demo.memberships_added) == (7, 10)


def test_the_command_prints_the_accounts(demo):
    out = StringIO()

    call_command("demo", "--disputes", "0", stdout=out)

    text = out.getvalue()
    assert f"演示账号（密码均为 {PASSWORD}）" in text
    for account in ACCOUNTS:
        assert account.username in text
    assert "演示数据已是最新，没有改动。" in text


def test_every_village_and_town_body_has_mediators_and_the_catalogue_is_seeded(demo):
    from jiefen.mediators.models import Mediator, RouteEntry

    served = set(Mediator.bodies.through.objects.values_list("body_id", flat=True))
    tiers = Body.objects.filter(kind__in=[BodyKind.VILLAGE_GROUP, BodyKind.TOWN_CENTRE])
    assert tiers.count() == 2168 + 103
    assert not tiers.exclude(pk__in=served).exists()
    committees = Body.objects.filter(kind=BodyKind.COMMITTEE)
    assert set(committees.values_list("region_id", flat=True)) == {ZHUJI, SHAOXING}
    assert not committees.exclude(pk__in=served).exists()
    clerk = Mediator.objects.get(user__username="clerk")
    assert clerk.home_body.region_id == FENGYI
    labour = RouteEntry.objects.get(region_id=ZHUJI, level=Level.TOWN, category__key="labour")
    assert labour.department.name == "诸暨市人力资源和社会保障局"
    assert labour.committee.name == "诸暨市劳动人事争议人民调解委员会"
    # Every entry passes the catalogue's own checks (no overlaps, departments of its county).
    from jiefen.mediators.catalogue import entry_problems

    assert all(not entry_problems(e).fields for e in RouteEntry.objects.all()[:60])
    assert demo_load_mediators() == (0, 0)
