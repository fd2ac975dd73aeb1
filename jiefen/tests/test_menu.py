"""Every entry of every demo account's menu opens a page with something on it.

The demo's foundation (Shaoxing, its bodies and the demo accounts) loads once for the module
inside a transaction rolled back at the end, as in jiefen/demo/tests/test_demo.py.
"""

import re

import pytest
from django.db import transaction
from django.test import override_settings

from jiefen.accounts.models import User
from jiefen.demo.services import ACCOUNTS, demo_load_foundation
from jiefen.org import context
from jiefen.org.models import Role

MENU = re.compile(r'<header class="top">.*?<nav[^>]*>(.*?)</nav>', re.S)
MAIN = re.compile(r"<main>(.*)</main>", re.S)


def fast_hashing():
    return override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), fast_hashing(), transaction.atomic():
        yield demo_load_foundation()
        transaction.set_rollback(True)


def menu_links(html: str) -> list[str]:
    found = MENU.search(html)
    assert found, "the page has no menu"
    return re.findall(r'href="([^"]+)"', found.group(1))


@pytest.mark.parametrize("username", [a.username for a in ACCOUNTS])
def test_it_opens_every_menu_entry_of_every_demo_account_on_a_page_with_content(
    demo, db, client, username
):
    client.force_login(User.objects.get(username=username))
    home = client.get("/", follow=True)
    assert home.status_code == 200
    links = menu_links(home.content.decode())
    assert links, f"{username} has an empty menu"
    bell = re.search(r'<a class="bell[^"]*" href="([^"]+)"', home.content.decode())
    for url in links + ([bell.group(1)] if bell else []):
        if url.startswith("/admin/"):
            continue  # Django's own admin, tested by Django
        response = client.get(url)
        assert response.status_code == 200, f"{username}: {url} answered {response.status_code}"
        main = MAIN.search(response.content.decode())
        assert main and "<h1" in main.group(1), f"{username}: {url} has no heading"
        text = re.sub(r"<[^>]+>", " ", main.group(1))
        assert len(text.split()) >= 2, f"{username}: {url} is empty"


def test_it_shows_the_leader_the_cases_they_own_and_no_evaluation(demo, db, client):
    client.force_login(User.objects.get(username="leader"))
    links = menu_links(client.get("/").content.decode())
    assert "/supervision/leader/" in links
    assert "/evaluation/" not in links and "/disputes/new/" not in links


def test_it_marks_the_page_being_read_in_the_menu(demo, db, client):
    client.force_login(User.objects.get(username="townhead"))
    html = client.get("/disputes/").content.decode()
    assert re.search(r'<a href="/disputes/" aria-current="page">', html)
    assert not re.search(r'<a href="/" aria-current="page">', html)


def test_the_menu_roles_are_those_the_pages_check():
    from jiefen.evaluation.selectors import VIEW_ROLES
    from jiefen.privacy.subject import ROLES
    from jiefen.spreadsheets.importing import STAFF
    from jiefen.supervision.access import ISSUERS

    assert set(VIEW_ROLES) == context.EVALUATION
    assert set(ROLES) == context.PRIVACY
    assert context.STAFF == STAFF
    assert context.CAMPAIGNS == ISSUERS
    assert Role.AUDITOR not in context.ANY
