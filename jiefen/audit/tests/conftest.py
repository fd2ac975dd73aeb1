"""Auditors, and the helpers of the dispute tests."""

import pytest

from jiefen.org.models import Role


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def auditor(world):
    """The city's auditor: reads the audit log of all Shaoxing, and records of no region."""
    return world.person("auditor_sx", "郑公正", "绍兴市", Role.AUDITOR)


@pytest.fixture
def town_auditor(world):
    """An auditor of 店口镇 only."""
    return world.person("auditor_diankou", "冯清", "店口镇", Role.AUDITOR)
