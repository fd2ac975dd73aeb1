"""The register's pieces of the small world: 诸暨市's labour bureau and labour committee, a
department of 嵊州市, and mediators of 枫桥镇's centre and the committee."""

from datetime import date

import pytest

from jiefen.disputes.models import Category
from jiefen.disputes.tests.conftest import _fast_passwords, at, fresh_calendar, register
from jiefen.mediators.models import Mediator
from jiefen.mediators.services import mediator_save
from jiefen.org.models import Body, BodyKind, DepartmentType

__all__ = ["_fast_passwords", "at", "fresh_calendar", "register"]


@pytest.fixture
def bodies(world):
    hrss = DepartmentType.objects.create(key="hrss", name="人力资源和社会保障")
    world.bodies["诸暨市人社局"] = Body.objects.create(
        kind=BodyKind.DEPARTMENT,
        name="诸暨市人力资源和社会保障局",
        region=world.regions["诸暨市"],
        department_type=hrss,
    )
    world.bodies["嵊州市人社局"] = Body.objects.create(
        kind=BodyKind.DEPARTMENT,
        name="嵊州市人力资源和社会保障局",
        region=world.regions["嵊州市"],
        department_type=hrss,
    )
    world.bodies["诸暨市劳动调委会"] = Body.objects.create(
        kind=BodyKind.COMMITTEE,
        name="诸暨市劳动人事争议人民调解委员会",
        region=world.regions["诸暨市"],
    )
    world.bodies["诸暨市律师调解工作室"] = Body.objects.create(
        kind=BodyKind.LAWYER_STUDIO,
        name="诸暨市律师调解工作室",
        region=world.regions["诸暨市"],
    )
    return world.bodies


def make_mediator(body, name, *, matters=("labour",), weekdays="12345", open_cases=0, **more):
    mediator = mediator_save(
        mediator=Mediator(
            name=name, home_body=body, appointed_on=date(2024, 1, 1), weekdays=weekdays, **more
        ),
        bodies=[body],
        categories=Category.objects.filter(key__in=matters),
    )
    if open_cases:
        Mediator.objects.filter(pk=mediator.pk).update(open_cases=open_cases)
        mediator.refresh_from_db()
    return mediator
