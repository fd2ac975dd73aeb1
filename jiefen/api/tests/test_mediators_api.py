"""The register through the API: a town head adds a mediator to the centre, refused with the
fields when the input is bad and nothing saved; lists stay within the token's jurisdiction."""

from django.test import Client

from jiefen.api.tokens import token_create
from jiefen.mediators.models import Mediator


def _client(world, user, body):
    _token, raw = token_create(user=user, body=world.bodies[body], name="test")
    return Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_town_head_adds_a_mediator_and_lists_only_the_jurisdiction(
    world, town_head, other_town_head
):
    api = _client(world, town_head, "枫桥镇")
    centre = world.bodies["枫桥镇"].pk
    body = {
        "name": "王调解",
        "home_body": centre,
        "categories": ["labour"],
        "appointed_on": "2024-01-01",
        "weekdays": "135",
        "phone": "13812345678",
    }
    made = api.post("/api/v1/mediators", body, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["phone"] != "13812345678" and made.json()["categories"] == ["labour"]
    bad = api.post(
        "/api/v1/mediators",
        {**body, "weekdays": "9", "term_ends": "2023-01-01"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"weekdays", "term_ends"}
    foreign = api.post(
        "/api/v1/mediators",
        {**body, "home_body": world.bodies["店口镇"].pk},
        content_type="application/json",
    )
    assert foreign.status_code == 404
    assert Mediator.objects.count() == 1

    other = _client(world, other_town_head, "店口镇")
    assert other.get("/api/v1/mediators").json()["items"] == []
    assert [m["name"] for m in api.get("/api/v1/mediators").json()["items"]] == ["王调解"]
    assert api.get("/api/v1/routes").status_code == 200
