"""Helpers for dispute tests: a registered dispute in 枫一社区, at a fixed moment."""

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from jiefen.disputes.models import Category
from jiefen.disputes.services import DisputeInput, PartyInput, dispute_register

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def register(world, actor, *, body="枫一社区", region="枫一社区", when=None, **overrides):
    data = DisputeInput(
        body=world.bodies[body],
        category=Category.objects.get(key="neighbourhood"),
        channel="walk_in",
        region=world.regions[region],
        title="宅基地边界争议",
        description="两户因院墙位置发生争执。",
        people_involved=2,
        parties=[
            PartyInput(
                side="applicant", name="张三", phone="13812345678", id_number="330681199001011237"
            ),
            PartyInput(side="respondent", name="李四"),
        ],
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return dispute_register(actor=actor, data=data, at=when or at(2026, 3, 2))


@pytest.fixture(autouse=True)
def fresh_calendar():
    """Overrides the root fixture of the same name: each test still gets the calendar of its
    own database rows, but the calendar is rebuilt from python-holidays only when those rows
    differ from the last test's — a rebuild costs more than most tests here."""
    from jiefen.calendars import services as calendars

    def recheck():
        built = calendars._built
        if built is not None:
            calendars._built = dataclasses.replace(built, checked_at=float("-inf"))

    recheck()
    yield
    recheck()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The named people are created with a password; hashing it the production way costs a
    third of a second per person and would dominate these tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def registered(world, village_clerk):
    return register(world, village_clerk)


# --- More people, for moves a village clerk cannot make -----------------------------------------


@pytest.fixture
def village_head(world):
    """Head of 枫一社区's working group: may reopen and decline."""
    from jiefen.org.models import Role

    return world.person("head_fengyi", "陈国强", "枫一社区", Role.HEAD)


@pytest.fixture
def town_department(world):
    """枫桥镇's natural-resources office: a department the town centre may assign to."""
    from jiefen.org.models import Body, BodyKind, DepartmentType

    body = Body.objects.create(
        kind=BodyKind.DEPARTMENT,
        name="枫桥自然资源所",
        region=world.regions["枫桥镇"],
        department_type=DepartmentType.objects.get(key="land"),
    )
    world.bodies[body.name] = body
    return body


@pytest.fixture
def town_department_clerk(world, town_department):
    from jiefen.org.models import Role

    return world.person("clerk_fengqiao_land", "吴海波", town_department.name, Role.CLERK)


@pytest.fixture
def county_department_clerk(world):
    """A clerk of 诸暨市自然资源和规划局, the department the county assigns land matters to."""
    from jiefen.org.models import Role

    return world.person("clerk_zhuji_land", "何静", "诸暨市自然资源和规划局", Role.CLERK)
