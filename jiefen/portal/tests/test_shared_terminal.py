"""Online filing is limited per browser and per address, so a family on one line or a village's
shared terminal is not shut out by its neighbours; a staff-operated reception terminal files
many more; a refusal says when to try again and where else to go, keeps what was typed, and
never stops a party from following, rating or asking about their own case."""

import hashlib
import itertools

import pytest
from django.conf import settings
from django.test import Client

from jiefen.disputes.models import Dispute
from jiefen.portal.models import Rating
from jiefen.portal.tests.conftest import filing_form, follow
from jiefen.portal.tests.test_rating import _resolve

pytestmark = pytest.mark.django_db

HOME = "10.1.1.1"


def browser(name: str) -> Client:
    client = Client()
    # A CSRF cookie of the shape Django keeps (it replaces a malformed one).
    client.cookies[settings.CSRF_COOKIE_NAME] = hashlib.md5(name.encode()).hexdigest()
    return client


_filed = itertools.count(1)


def file(client, world, ip=HOME, **overrides):
    # Each a different matter: the same filing sent again is the dispute already filed.
    overrides.setdefault("title", f"第{next(_filed)}件邻里纠纷")
    return client.post("/public/", filing_form(world, **overrides), REMOTE_ADDR=ip)


def test_a_browser_files_five_an_hour_then_is_told_when_and_where_to_go(world):
    wang = browser("wang")
    for _i in range(5):
        assert file(wang, world).status_code == 200
    refused = file(wang, world, title="第六件：宅基地纠纷")
    page = refused.content.decode()
    assert refused.status_code == 429
    assert "本浏览器一小时内已在网上提交 5 件纠纷，请于 " in page and "分钟）再提交" in page
    assert "永安社区" in page and "枫桥镇" in page and "12345" in page
    assert "第六件：宅基地纠纷" in page  # what was typed is kept
    assert Dispute.objects.count() == 5


def test_a_family_behind_one_address_files_from_each_phone(world):
    for name in ("father", "mother", "daughter"):
        phone = browser(name)
        for _i in range(5):
            assert file(phone, world).status_code == 200, name
    assert Dispute.objects.count() == 15


def test_an_address_has_a_ceiling_whatever_the_browsers(world):
    for index in range(6):
        phone = browser(f"phone-{index}")
        for _i in range(5):
            assert file(phone, world).status_code == 200
    refused = file(browser("seventh"), world)
    assert refused.status_code == 429
    assert "本网络地址一小时内网上提交的纠纷已达 30 件的上限" in refused.content.decode()
    assert file(browser("elsewhere"), world, ip="10.1.1.2").status_code == 200


def test_a_staff_reception_terminal_files_far_more_from_one_browser(world, settings):
    settings.JIEFEN_RECEPTION_TERMINALS = ["10.8.0.0/24"]
    desk = browser("service-hall")
    for _i in range(35):
        assert file(desk, world, ip="10.8.0.17").status_code == 200
    assert Dispute.objects.count() == 35
    # The same browser from an ordinary address is an ordinary browser.
    home = browser("service-hall")
    for _i in range(5):
        assert file(home, world, ip="10.9.0.1").status_code == 200
    assert file(home, world, ip="10.9.0.1").status_code == 429


def test_a_bad_network_in_the_setting_is_skipped_not_fatal(world, settings):
    settings.JIEFEN_RECEPTION_TERMINALS = ["not-a-network", "10.8.0.0/24"]
    desk = browser("desk")
    for _i in range(6):
        assert file(desk, world, ip="10.8.0.5").status_code == 200


def test_a_request_without_a_browser_cookie_counts_as_its_address(world):
    bare = Client()
    for _i in range(5):
        assert bare.post("/public/", filing_form(world), REMOTE_ADDR=HOME).status_code == 200
        bare.cookies.clear()
    assert bare.post("/public/", filing_form(world), REMOTE_ADDR=HOME).status_code == 429


def test_a_browser_at_its_limit_still_follows_rates_and_asks_about_its_own_case(
    world, filed, village_clerk
):
    dispute, code = filed
    wang = browser("wang")
    for _i in range(5):
        file(wang, world)
    assert file(wang, world).status_code == 429
    assert follow(wang, dispute.number, code, ip=HOME).status_code == 302
    assert wang.get("/public/follow/", REMOTE_ADDR=HOME).status_code == 200
    _resolve(dispute, village_clerk)
    response = wang.post("/public/follow/rate/", {"score": "4"}, REMOTE_ADDR=HOME, follow=True)
    assert "感谢您的评价" in response.content.decode()
    assert Rating.objects.get(dispute=dispute).score == 4
