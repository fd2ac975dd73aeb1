"""Fixtures for the privacy tests: the named people and the KPI history of metrics' tests."""

import pytest

from jiefen.disputes.services import PartyInput
from jiefen.disputes.tests.conftest import _fast_passwords, at, register, village_head  # noqa: F401
from jiefen.metrics.tests.conftest import march, play  # noqa: F401

# A person of 枫一社区 whose numbers the tests look for.
PHONE = "13957012468"
RESIDENT_ID = "330681198705163023"  # a valid check digit (GB 11643)


def person(side="applicant", name="周晓燕", phone=PHONE, id_number=RESIDENT_ID, **kwargs):
    return PartyInput(side=side, name=name, phone=phone, id_number=id_number, **kwargs)


def stranger(side="respondent"):
    return PartyInput(side=side, name="钱多多", phone="13600001111", id_number="")


@pytest.fixture
def her_disputes(world, village_clerk, other_village_clerk):
    """Two disputes of 周晓燕 in 枫一社区 (found once by phone, once by ID number) and one in
    永安社区 between two other people."""
    one = register(
        world, village_clerk, when=at(2026, 3, 2),
        parties=[person(), stranger()],
        title="周晓燕与钱多多邻里纠纷",
    )  # fmt: skip
    two = register(
        world, village_clerk, when=at(2026, 3, 3),
        parties=[stranger("applicant"), person("respondent", phone="", address="枫桥镇枫一村8号")],
    )  # fmt: skip
    elsewhere = register(
        world, other_village_clerk, body="永安社区", region="永安社区", when=at(2026, 3, 4),
        parties=[stranger("applicant"), PartyInput(side="respondent", name="孙大圣",
                                                   phone="13700002222")],
    )  # fmt: skip
    return one, two, elsewhere
