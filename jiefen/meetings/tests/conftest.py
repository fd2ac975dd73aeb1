"""Helpers for meetings tests: the named people of jiefen/conftest.py, disputes played through
the services at explicit moments (see jiefen/disputes/tests), and a few more people."""

import importlib

import pytest
from django.apps import apps as django_apps

from jiefen.conftest import SEEDS
from jiefen.disputes import services
from jiefen.disputes.tests.conftest import (  # noqa: F401  (fixtures)
    _fast_passwords,
    at,
    county_department_clerk,
    register,
    town_department,
    village_head,
)
from jiefen.org.models import Role


@pytest.fixture
def seeded(transactional_db):
    """What the migrations seed (categories, rules, the calendar), which a transactional test
    run before this one may have flushed away."""
    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(django_apps, None)


@pytest.fixture
def county_leader(world):
    """A county leader who owns disputes and receives citizens."""
    return world.person("leader_zhuji", "吴国强", "诸暨市", Role.LEADER)


def transferred_to_town(world, clerk, head, *, when, **overrides):
    """A complex dispute registered in 枫一社区, transferred to 枫桥镇 and received there."""
    dispute = register(world, clerk, when=when, complex=True, **overrides)
    dispute = services.dispute_transfer(
        actor=clerk,
        dispute_id=dispute.pk,
        version=dispute.version,
        reason="涉及邻村土地，村里无法协调",
        at=when,
    )
    return services.dispute_receive(
        actor=head, dispute_id=dispute.pk, version=dispute.version, at=when
    )


def transferred_to_county(world, clerk, head, county, *, when, **overrides):
    """…and on to the 诸暨市 joint meeting, received there."""
    dispute = transferred_to_town(world, clerk, head, when=when, **overrides)
    dispute = services.dispute_transfer(
        actor=head,
        dispute_id=dispute.pk,
        version=dispute.version,
        reason="镇级无法化解",
        at=when,
    )
    return services.dispute_receive(
        actor=county, dispute_id=dispute.pk, version=dispute.version, at=when
    )
