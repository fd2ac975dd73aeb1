"""A request that cannot get the database's lock in time ends on the site's own page, in its
layout and language, with a retry that sends again everything typed."""

import re
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from jiefen.disputes import services
from jiefen.disputes.models import Dispute


@pytest.fixture
def browser(village_clerk):
    """A client that gets the error pages, as a browser does, instead of the exception."""
    client = Client(raise_request_exception=False)
    client.force_login(village_clerk)
    return client


def _locked(*args, **kwargs):
    raise OperationalError("database is locked")


def _register_form(world, client) -> dict:
    from jiefen.disputes.tests.test_stale_and_repeat import _registration

    return _registration(world, client)


def test_a_locked_database_shows_the_busy_page_whose_retry_posts_the_form_again(world, browser):
    form = _register_form(world, browser)
    with mock.patch.object(services, "dispute_register_once", _locked):
        response = browser.post(reverse("disputes:register"), form)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    html = response.content.decode()
    assert '<header class="top">' in html and "系统繁忙，请稍候重试" in html
    retry = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    assert retry.group(1) == reverse("disputes:register")
    kept = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', retry.group(2)))
    assert kept["title"] == "院墙边界争议" and kept["parties-0-name"] == "张三"
    assert kept["once"] == form["once"]
    assert not Dispute.objects.exists()

    # The retry, with the lock free again, registers — once.
    kept["csrfmiddlewaretoken"] = "ignored-by-the-test-client"
    assert browser.post(retry.group(1), kept).status_code == 302
    assert browser.post(retry.group(1), kept).status_code == 302
    assert Dispute.objects.count() == 1


def test_the_busy_page_speaks_english_and_a_get_retries_with_a_link(world, browser):
    browser.cookies["django_language"] = "en"
    with mock.patch("jiefen.disputes.views.queue_for", _locked):
        response = browser.get("/?page=2")
    assert response.status_code == 503
    html = response.content.decode()
    assert "The system is busy" in html and 'href="/?page=2"' in html


def test_a_password_is_not_written_into_the_busy_page(world, village_clerk):
    client = Client(raise_request_exception=False)
    with mock.patch("jiefen.accounts.views.SignInView.post", _locked):
        response = client.post("/login/", {"username": "clerk_fengyi", "password": "secret 99"})
    assert response.status_code == 503
    html = response.content.decode()
    assert "secret 99" not in html and "密码" in html


def test_another_database_error_is_still_the_plain_error_page(world, browser):
    with mock.patch(
        "jiefen.disputes.views.queue_for", mock.Mock(side_effect=OperationalError("no such table"))
    ):
        response = browser.get("/")
    assert response.status_code == 500 and "系统繁忙" not in response.content.decode()


def test_the_api_answers_503_busy_with_retry_after(world, village_clerk):
    from jiefen.api.tokens import token_create

    _row, secret = token_create(user=village_clerk, body=world.bodies["枫一社区"], name="t")
    client = Client(raise_request_exception=False)
    with mock.patch("jiefen.api.rest.dispute_list", _locked):
        response = client.get("/api/v1/disputes", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 503
    assert response.json()["code"] == "busy" and response["Retry-After"] == "5"
