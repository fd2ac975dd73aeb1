"""People and disputes for supervision tests.

Besides the shared named people (jiefen/conftest.py): leaders of 诸暨市 (county), 枫桥镇 (town),
店口镇 (another town) and 绍兴市 (city), a county supervisor, and the head of 枫一社区's working
group. Disputes are registered in 枫一社区 and moved through the real services.
"""

from datetime import timedelta

import pytest

from jiefen.disputes.tests.conftest import at, register
from jiefen.disputes.tests.steps import perform
from jiefen.org.models import Role
from jiefen.supervision import sweep
from jiefen.supervision.sms import OutboxSmsProvider

__all__ = ["at", "register"]

PHONE = "13812345678"
ID_NUMBER = "330681199001011237"


@pytest.fixture(autouse=True)
def _fast_passwords_and_quiet_outside(settings):
    """Fast hashing; e-mail and SMS into memory; background tasks run at once (whatever the
    project's TASKS says), so a test sees what the worker would do."""
    import django_tasks.signals  # noqa: F401 - resets the task backends when TASKS changes

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.JIEFEN_SMS_PROVIDER = "jiefen.supervision.sms.OutboxSmsProvider"
    OutboxSmsProvider.outbox.clear()
    yield
    OutboxSmsProvider.outbox.clear()


HOOKS = sweep.HOOKS


@pytest.fixture(autouse=True)
def _without_other_apps_hooks(monkeypatch):
    """The sweep calls other apps' periodic duties; these tests are about its own (the hook
    tests put the hooks back)."""
    monkeypatch.setattr(sweep, "HOOKS", ())


@pytest.fixture
def village_head(world):
    return world.person("head_fengyi", "陈国强", "枫一社区", Role.HEAD)


@pytest.fixture
def county_leader(world):
    return world.person("leader_zhuji", "吴国强", "诸暨市", Role.LEADER)


@pytest.fixture
def town_leader(world):
    return world.person("leader_fengqiao", "楼建华", "枫桥镇", Role.LEADER)


@pytest.fixture
def other_town_leader(world):
    return world.person("leader_diankou", "斯文军", "店口镇", Role.LEADER)


@pytest.fixture
def city_leader(world):
    return world.person("leader_sx", "马向阳", "绍兴市", Role.LEADER)


@pytest.fixture
def county_supervisor(world):
    return world.person("supervisor_zhuji", "宣立平", "诸暨市", Role.SUPERVISOR)


def at_county(world, village_clerk, town_head, county_officer, *, when=None, **overrides):
    """A dispute registered in 枫一社区, sent up to the town and on to 诸暨市, and received
    there (county tier), one hour per step from `when`."""
    start = when or at(2026, 3, 2, 9)
    dispute = register(world, village_clerk, when=start, complex=True, **overrides)
    steps = [
        ("accept", village_clerk),
        ("transfer", village_clerk),
        ("receive", town_head),
        ("transfer", town_head),
        ("receive", county_officer),
    ]
    for i, (action, actor) in enumerate(steps, start=1):
        dispute = perform(action, actor=actor, dispute=dispute, at=start + timedelta(hours=i))
    return dispute
