"""Tokens: shown once, stored as a digest, refused when missing, unknown, revoked, or when their
person no longer works in their body; created and revoked in the admin and by command."""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from jiefen.api.models import ApiToken
from jiefen.api.tests.conftest import ApiClient
from jiefen.api.tokens import token_create, token_revoke
from jiefen.disputes.lifecycle import Invalid
from jiefen.org.models import Membership


def _assert_unauthorized(response):
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_a_request_without_a_token(anonymous, world):
    _assert_unauthorized(anonymous.get("/disputes"))
    _assert_unauthorized(anonymous.post("/disputes", {}))
    _assert_unauthorized(anonymous.get("/categories"))


def test_it_refuses_an_unknown_or_malformed_token(world):
    _assert_unauthorized(ApiClient("jf_not-a-token").get("/disputes"))
    _assert_unauthorized(ApiClient("").get("/disputes"))
    client = Client(HTTP_HOST="localhost")
    _assert_unauthorized(client.get("/api/v1/disputes", headers={"Authorization": "Basic eDp5"}))


def test_it_refuses_a_revoked_token(world, village_clerk):
    token, raw = token_create(user=village_clerk, body=world.bodies["枫一社区"], name="网格 App")
    assert ApiClient(raw).get("/disputes").status_code == 200
    token_revoke(token=token)
    _assert_unauthorized(ApiClient(raw).get("/disputes"))


def test_it_refuses_a_token_once_its_person_leaves_the_body(world, village_clerk, token_for):
    raw = token_for(village_clerk, "枫一社区")
    Membership.objects.filter(user=village_clerk).delete()
    _assert_unauthorized(ApiClient(raw).get("/disputes"))


def test_it_refuses_a_token_of_a_deactivated_account(world, village_clerk, token_for):
    raw = token_for(village_clerk, "枫一社区")
    village_clerk.is_active = False
    village_clerk.save()
    _assert_unauthorized(ApiClient(raw).get("/disputes"))


def test_it_stores_only_a_digest_of_the_token(world, village_clerk):
    token, raw = token_create(user=village_clerk, body=world.bodies["枫一社区"], name="网格 App")
    row = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("jf_") and len(raw) > 40
    assert row.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().get())


def test_it_will_not_scope_a_token_to_a_body_where_the_person_has_no_role(world, village_clerk):
    with pytest.raises(Invalid) as refused:
        token_create(user=village_clerk, body=world.bodies["永安社区"], name="x")
    assert "body" in refused.value.fields
    assert not ApiToken.objects.exists()


def test_it_records_when_a_token_was_last_used(world, village_clerk):
    token, raw = token_create(user=village_clerk, body=world.bodies["枫一社区"], name="x")
    assert token.last_used is None
    ApiClient(raw).get("/categories")
    token.refresh_from_db()
    assert token.last_used is not None


def test_it_creates_and_revokes_a_token_by_command(world, village_clerk):
    out, err = StringIO(), StringIO()
    body = world.bodies["枫一社区"]
    call_command(
        "tokens", "create", "clerk_fengyi", str(body.pk), "12345 热线", stdout=out, stderr=err
    )
    raw = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.name == "12345 热线" and token.body == body and token.user == village_clerk
    assert ApiClient(raw).get("/categories").status_code == 200

    call_command("tokens", "revoke", str(token.pk), stdout=StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(raw).get("/categories").status_code == 401

    listing = StringIO()
    call_command("tokens", "list", stdout=listing)
    assert "12345 热线" in listing.getvalue() and raw not in listing.getvalue()


def test_it_explains_a_refused_command(world, village_clerk):
    with pytest.raises(CommandError):
        call_command("tokens", "create", "nobody", "1", "x", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command(
            "tokens",
            "create",
            "clerk_fengyi",
            str(world.bodies["永安社区"].pk),
            "x",
            stdout=StringIO(),
        )
    with pytest.raises(CommandError):
        call_command("tokens", "revoke", "999", stdout=StringIO())


@pytest.fixture
def superuser(world):
    from jiefen.accounts.models import User

    return User.objects.create_superuser(username="root", password="correct horse 9")


def test_it_shows_a_token_created_in_the_admin_once(world, village_clerk, superuser):
    client = Client(HTTP_HOST="localhost")
    client.force_login(superuser)
    response = client.post(
        "/admin/api/apitoken/add/",
        {"user": village_clerk.pk, "body": world.bodies["枫一社区"].pk, "name": "网格 App"},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    raw = response.context["raw"]
    assert raw.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    listing = client.get("/admin/api/apitoken/")
    detail = client.get(f"/admin/api/apitoken/{token.pk}/change/")
    assert raw.encode() not in listing.content and raw.encode() not in detail.content


def test_it_revokes_tokens_from_the_admin(world, village_clerk, superuser):
    token, raw = token_create(user=village_clerk, body=world.bodies["枫一社区"], name="x")
    client = Client(HTTP_HOST="localhost")
    client.force_login(superuser)
    client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(raw).get("/categories").status_code == 401


def test_it_refuses_an_admin_token_for_a_body_without_a_role(world, village_clerk, superuser):
    client = Client(HTTP_HOST="localhost")
    client.force_login(superuser)
    response = client.post(
        "/admin/api/apitoken/add/",
        {"user": village_clerk.pk, "body": world.bodies["永安社区"].pk, "name": "x"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["body"]
    assert not ApiToken.objects.exists()
