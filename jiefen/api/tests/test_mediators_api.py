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


def test_a_session_through_the_api_names_the_register_mediators_who_sat(
    world, village_clerk, api_as
):
    from datetime import date

    from django.utils import timezone

    from jiefen.api.tests.conftest import payload
    from jiefen.disputes.models import Dispute, Session
    from jiefen.mediators.models import Sitting
    from jiefen.mediators.services import mediator_save

    zhou = mediator_save(
        mediator=Mediator(
            name="周德明", home_body=world.bodies["枫一社区"], appointed_on=date(2024, 1, 1)
        ),
        bodies=[world.bodies["枫一社区"]],
    )
    outside = mediator_save(
        mediator=Mediator(
            name="外镇调解员", home_body=world.bodies["店口镇"], appointed_on=date(2024, 1, 1)
        ),
        bodies=[world.bodies["店口镇"]],
    )
    api = api_as(village_clerk, "枫一社区")
    made = api.post("/disputes", payload()).json()
    version = Dispute.objects.get(pk=made["id"]).version
    api.post(f"/disputes/{made['id']}/actions/accept", {"version": version})
    body = {
        "version": version + 1,
        "held_on": timezone.localdate().isoformat(),
        "place": "村委会调解室",
        "mediators": "司法所老周",
        "attendees": "张三、李四",
        "record": "双方陈述了院墙位置的争议。",
    }
    refused = api.post(
        f"/disputes/{made['id']}/actions/session", body | {"seated": [zhou.pk, outside.pk]}
    )
    assert refused.status_code == 422 and "seated" in refused.json()["fields"]
    assert not Session.objects.exists()
    done = api.post(f"/disputes/{made['id']}/actions/session", body | {"seated": [zhou.pk]})
    assert done.status_code == 200, done.content
    assert Session.objects.get().mediators == "周德明、司法所老周"
    assert Sitting.objects.get().mediator == zhou
