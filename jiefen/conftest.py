"""Named people and a small piece of the real division tree, shared by every app's tests.

Zhejiang 33 → Shaoxing 3306 → Zhuji 330681 → Fengqiao 330681109 (villages 枫一社区, 永安社区)
                                           → Diankou 330681104 (village 店口社区)
                          → Shengzhou 330683
"""

import pytest

from jiefen.accounts.models import User
from jiefen.org.models import Body, BodyKind, DepartmentType, Membership, Role
from jiefen.regions.models import Level, Region

TREE = [
    (330000000000, "浙江省", Level.PROVINCE, None),
    (330600000000, "绍兴市", Level.CITY, 330000000000),
    (330681000000, "诸暨市", Level.COUNTY, 330600000000),
    (330683000000, "嵊州市", Level.COUNTY, 330600000000),
    (330681109000, "枫桥镇", Level.TOWN, 330681000000),
    (330681104000, "店口镇", Level.TOWN, 330681000000),
    (330681109008, "枫一社区", Level.VILLAGE, 330681109000),
    (330681109009, "永安社区", Level.VILLAGE, 330681109000),
    (330681104004, "店口社区居委会", Level.VILLAGE, 330681104000),
]

KIND_BY_LEVEL = {
    Level.CITY: BodyKind.CITY_OFFICE,
    Level.COUNTY: BodyKind.COUNTY_MEETING,
    Level.TOWN: BodyKind.TOWN_CENTRE,
    Level.VILLAGE: BodyKind.VILLAGE_GROUP,
}


class World:
    """The regions, bodies and people of a test, by name."""

    def __init__(self) -> None:
        self.regions = {}
        for code, name, level, parent in TREE:
            self.regions[name] = Region.objects.create(
                code=code, name=name, level=level, parent_id=parent
            )
        self.regions["枫桥镇"].town_class = 1
        self.regions["枫桥镇"].population = 80000
        self.regions["枫桥镇"].save()
        self.bodies = {}
        for name, region in self.regions.items():
            if region.level in KIND_BY_LEVEL:
                kind = KIND_BY_LEVEL[Level(region.level)]
                self.bodies[name] = Body.objects.create(
                    kind=kind, name=f"{name}{kind.label}", region=region
                )
        land = DepartmentType.objects.create(key="land", name="自然资源和规划局")
        self.bodies["诸暨市自然资源和规划局"] = Body.objects.create(
            kind=BodyKind.DEPARTMENT,
            name="诸暨市自然资源和规划局",
            region=self.regions["诸暨市"],
            department_type=land,
        )

    def person(self, username: str, full_name: str, body: str, *roles: str) -> User:
        user = User.objects.create_user(
            username=username, password="correct horse 9", full_name=full_name
        )
        for role in roles:
            Membership.objects.create(user=user, body=self.bodies[body], role=role)
        return user


@pytest.fixture(autouse=True, scope="session")
def demo_signing_elsewhere(tmp_path_factory):
    """A test that runs `jiefen demo` writes the demo's signing certificate to a folder of its
    own, not to var/signing/, where the settings of every later run would find it."""
    from django.conf import settings

    settings.JIEFEN_DEMO_SIGNING_DIR = tmp_path_factory.mktemp("demo-signing")


@pytest.fixture(autouse=True)
def fresh_calendar():
    """Each test builds its calendar from its own database rows."""
    from jiefen.calendars.services import calendar_forget

    calendar_forget()
    yield
    calendar_forget()


@pytest.fixture(autouse=True)
def audit_sealed_by_the_writer(settings):
    """A test's writer seals after its commit, as with JIEFEN_AUDIT_SEAL_DELAY empty: a sealer
    thread would hold a connection to the test database past the test. The thread itself is
    tested in audit/tests/test_sealer.py, which stops it."""
    settings.JIEFEN_AUDIT_SEAL_DELAY = None


@pytest.fixture(autouse=True)
def fresh_related_suggestions():
    """The related disputes a dispute page keeps in the cache belong to one test's database."""
    from django.conf import settings

    from jiefen.search.intake import related_forget

    if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        return  # kept in the test's database, and rolled back with it
    related_forget()


@pytest.fixture(autouse=True)
def default_language():
    """A page asked for in English leaves English active in the test's thread (LocaleMiddleware
    sets each request's language and never switches back); the next test starts in Chinese."""
    from django.utils import translation

    yield
    translation.deactivate()


# Data the migrations seed. A transactional test (threads, live server) empties the tables
# when it ends, so the next one puts it back before building its world.
SEEDS = [
    ("jiefen.disputes.migrations.0002_categories", "add"),
    ("jiefen.rules.migrations.0003_default_rules", "seed"),
    ("jiefen.calendars.migrations.0002_confirm_published_years", "confirm"),
    ("jiefen.evaluation.migrations.0002_default_targets", "seed"),
]


def reseed() -> None:
    import importlib

    from django.apps import apps

    from jiefen.disputes.models import Category

    if Category.objects.exists():
        return
    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(apps, None)
    from jiefen.rules.services import rules_changed

    rules_changed()


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    """A database that threads with their own connections share the way production processes
    do: the test database itself on PostgreSQL; on SQLite a file copy of the in-memory test
    database (its shared cache fails at once on a lock instead of waiting as the settings'
    IMMEDIATE transactions and busy timeout do on a file). Seed data a flush removed is put
    back first."""
    from jiefen.tests.journeys import own_connections

    with own_connections(tmp_path):
        yield


@pytest.fixture
def world(db):
    reseed()
    return World()


@pytest.fixture
def village_clerk(world):
    """枫一社区's clerk: registers and mediates in her own village only."""
    return world.person("clerk_fengyi", "陈小梅", "枫一社区", Role.CLERK, Role.MEDIATOR)


@pytest.fixture
def other_village_clerk(world):
    """永安社区's clerk: same town, different village."""
    return world.person("clerk_yongan", "王建国", "永安社区", Role.CLERK)


@pytest.fixture
def town_head(world):
    """Head of 枫桥镇's resolution centre: sees all of the town's villages."""
    return world.person("head_fengqiao", "李卫东", "枫桥镇", Role.HEAD, Role.MEDIATOR)


@pytest.fixture
def other_town_head(world):
    return world.person("head_diankou", "赵立新", "店口镇", Role.HEAD)


@pytest.fixture
def county_officer(world):
    return world.person("officer_zhuji", "周明", "诸暨市", Role.CLERK, Role.HEAD)


@pytest.fixture
def city_evaluator(world):
    return world.person("evaluator_sx", "孙丽", "绍兴市", Role.EVALUATOR)


@pytest.fixture
def administrator(world):
    return world.person("admin_sx", "钱进", "绍兴市", Role.ADMIN)


@pytest.fixture
def outsider(world):
    """A signed-in account with no role in any body."""
    return User.objects.create_user(username="outsider", password="correct horse 9")


# --- Real browser -----------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright. Skipped where it is not installed, unless
    JIEFEN_REQUIRE_BROWSER is set (as CI does), where its absence fails the run."""
    import os
    import shutil

    if not shutil.which(CHROMIUM):
        if os.environ.get("JIEFEN_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is required for browser tests (apt-get install chromium)")
        pytest.skip("Chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (fixtures, assertions) are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium):
    """A fresh page the size of a village clerk's phone, in Chinese."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def sign_in(
    page, live_server, username: str, password: str = "correct horse 9", device=None
) -> None:
    """Sign in through the real pages; `device` is the user's authenticator, whose current
    code is entered at the second step."""
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    if device is not None:
        from jiefen.accounts.testing import totp_now

        page.wait_for_url(f"{live_server.url}/login/verify/**")
        page.fill("input[name=code]", totp_now(device))
        page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")


def open_menu(page) -> None:
    """On a phone the menu (and sign-out) folds behind the menu button: open it."""
    toggle = page.locator("header .menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


@pytest.fixture(autouse=True)
def _force_login_passes_second_factor(monkeypatch):
    """client.force_login() stands for a finished sign-in, second factor included (see
    jiefen.accounts.testing); the two-step sign-in itself is tested in jiefen/accounts."""
    from django.test import Client

    from jiefen.accounts.testing import client_login_with_second_factor

    monkeypatch.setattr(Client, "_login", client_login_with_second_factor(Client._login))


# The journey tests' server, sweep and page (see jiefen/tests/journeys.py).
from jiefen.tests.journeys import journey_page, journey_server  # noqa: E402, F401
