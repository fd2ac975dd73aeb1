"""The sign-in form is written by hand; a refused sign-in is said in the page's error summary
at the top, linked to the field, with the user name kept and the fields marked required."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def summary(html):
    found = re.search(r'<div class="error-summary" id="error-summary"[^>]*>.*?</div>', html, re.S)
    return found.group(0) if found else ""


def test_a_wrong_password_is_said_at_the_top_with_the_user_name_kept(client, village_clerk):
    html = client.post(
        "/login/", {"username": "clerk_fengyi", "password": "wrong horse"}
    ).content.decode()
    assert "用户名" in summary(html) or "密码" in summary(html)
    assert 'value="clerk_fengyi"' in html
    assert html.count('<span class="req" aria-hidden="true">*</span>') == 2
    assert " autofocus" not in html  # the focus goes to the summary


def test_an_empty_field_is_linked_from_the_summary(client, village_clerk):
    html = client.post("/login/", {"username": "", "password": "x"}).content.decode()
    assert 'href="#id_username"' in summary(html)
    assert 'id="id_username"' in html and 'aria-invalid="true"' in html
