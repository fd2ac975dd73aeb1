"""Registering, reading and listing disputes through the API: the token's jurisdiction,
idempotent retries, masked personal data and errors with stable codes."""

import json
import threading
import time

import pytest
from django.db import connection

from jiefen.api.models import IdempotencyKey
from jiefen.api.tests.conftest import ApiClient, payload
from jiefen.api.tokens import token_create
from jiefen.audit.models import Record
from jiefen.disputes.models import Dispute, Event, Party
from jiefen.disputes.tests.test_concurrency import HOLD, concurrent
from jiefen.org.models import Membership, Role


def _register(api, **overrides):
    response = api.post("/disputes", payload(**overrides))
    assert response.status_code == 201, response.content
    return response.json()


# --- registering ---------------------------------------------------------------------------------


def test_it_registers_a_dispute_at_the_tokens_body(world, clerk_api, village_clerk):
    body = _register(clerk_api)
    dispute = Dispute.objects.get(pk=body["id"])
    assert dispute.holder == world.bodies["枫一社区"]
    assert dispute.registered_by == village_clerk
    assert dispute.status == "registered" and dispute.channel == "walk_in"
    assert body["number"] == dispute.number and body["version"] == 1
    assert body["holder"]["name"] == world.bodies["枫一社区"].name
    assert "accept" in body["actions"]
    assert list(Event.objects.filter(dispute=dispute).values_list("action", flat=True)) == [
        "register"
    ]


def test_it_keeps_the_project_a_dispute_is_about(clerk_api):
    response = clerk_api.post("/disputes", payload(project="枫桥安置小区二期工程"))
    assert response.status_code == 201, response.content
    assert response.json()["project"] == "枫桥安置小区二期工程"
    assert Dispute.objects.get(pk=response.json()["id"]).project == "枫桥安置小区二期工程"
    too_long = clerk_api.post("/disputes", payload(project="项" * 101))
    assert too_long.status_code == 422


def test_it_never_answers_with_a_full_phone_or_id_number(clerk_api):
    created = clerk_api.post("/disputes", payload())
    read = clerk_api.get(f"/disputes/{created.json()['id']}")
    for response in (created, read):
        text = response.content.decode()
        assert "13812345678" not in text and "330681199001011237" not in text
        applicant = response.json()["parties"][0]
        assert applicant["phone"] == "138****5678"
        assert applicant["id_number"] == "330681********1237"
    # The number is kept in full (encrypted) for the staff who may reveal it.
    assert Party.objects.get(side="applicant").phone == "13812345678"


def test_it_refuses_a_registration_outside_the_tokens_body(clerk_api):
    response = clerk_api.post("/disputes", payload(region=330681109009))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert "region" in response.json()["fields"]
    assert not Dispute.objects.exists()


def test_it_refuses_a_registration_by_someone_who_may_not_register(world, api_as, city_evaluator):
    response = api_as(city_evaluator, "绍兴市").post("/disputes", payload())
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Dispute.objects.exists()


# --- idempotency ---------------------------------------------------------------------------------


def test_it_returns_the_same_dispute_for_a_retry_with_the_same_key(clerk_api):
    key = {"Idempotency-Key": "grid-app-7f3a"}
    first = clerk_api.post("/disputes", payload(), headers=key)
    again = clerk_api.post("/disputes", payload(), headers=key)
    assert first.status_code == 201 and again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Dispute.objects.count() == 1
    assert Event.objects.count() == 1
    assert IdempotencyKey.objects.get().dispute_id == first.json()["id"]


def test_it_refuses_the_same_key_with_another_payload(clerk_api):
    key = {"Idempotency-Key": "grid-app-7f3a"}
    first = clerk_api.post("/disputes", payload(), headers=key)
    other = clerk_api.post("/disputes", payload(title="另一件事"), headers=key)
    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_mismatch"
    assert Dispute.objects.count() == 1
    assert Dispute.objects.get().title == "宅基地边界争议"


def test_it_keeps_keys_apart_per_token(world, clerk_api, village_clerk, api_as):
    key = {"Idempotency-Key": "same-key"}
    other_token = api_as(village_clerk, "枫一社区")
    one = clerk_api.post("/disputes", payload(), headers=key).json()
    two = other_token.post("/disputes", payload(), headers=key).json()
    assert one["id"] != two["id"]
    assert Dispute.objects.count() == 2


def test_it_does_not_spend_a_key_on_a_refused_registration(clerk_api):
    key = {"Idempotency-Key": "retry-after-fix"}
    refused = clerk_api.post("/disputes", payload(category="no-such-category"), headers=key)
    assert refused.status_code == 422 and refused.json()["code"] == "invalid"
    assert not IdempotencyKey.objects.exists()
    fixed = clerk_api.post("/disputes", payload(), headers=key)
    assert fixed.status_code == 201
    assert Dispute.objects.count() == 1


def test_a_retry_writes_nothing_and_leaves_no_gap_in_the_numbers(clerk_api):
    """A retry runs the registration and rolls all of it back when its key turns out taken:
    the town's number counter too."""
    key = {"Idempotency-Key": "grid-app-7f3a"}
    first = clerk_api.post("/disputes", payload(), headers=key).json()
    records = Record.objects.count()
    assert clerk_api.post("/disputes", payload(), headers=key).status_code == 200
    assert Record.objects.count() == records
    assert Party.objects.count() == 2
    following = clerk_api.post("/disputes", payload(), headers={"Idempotency-Key": "next"})
    assert int(following.json()["number"][-6:]) == int(first["number"][-6:]) + 1


# --- jurisdiction --------------------------------------------------------------------------------


@pytest.fixture
def yongan_dispute(api_as, other_village_clerk):
    """A dispute of 永安社区, registered by its own clerk through her token."""
    return _register(api_as(other_village_clerk, "永安社区"), region=330681109009, title="永安水渠")


def test_it_hides_another_villages_dispute_exactly_as_a_missing_one(clerk_api, yongan_dispute):
    missing = clerk_api.get("/disputes/99999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    for ref in (yongan_dispute["id"], yongan_dispute["number"]):
        for path in (f"/disputes/{ref}", f"/disputes/{ref}/events"):
            response = clerk_api.get(path)
            assert response.status_code == 404
            assert response.json() == missing.json()
        moved = clerk_api.post(f"/disputes/{ref}/actions/accept", {"version": 1})
        assert moved.status_code == 404 and moved.json() == missing.json()
    assert Dispute.objects.get(pk=yongan_dispute["id"]).status == "registered"


def test_it_never_lists_another_villages_dispute(clerk_api, yongan_dispute):
    mine = _register(clerk_api)
    for params in (
        {},
        {"q": yongan_dispute["number"]},
        {"q": "永安水渠"},
        {"region": 330681109009},
    ):
        listed = {d["number"] for d in clerk_api.get("/disputes", params).json()["items"]}
        assert yongan_dispute["number"] not in listed
    assert [d["id"] for d in clerk_api.get("/disputes").json()["items"]] == [mine["id"]]


def test_it_limits_a_token_to_its_body_even_when_its_person_works_elsewhere_too(
    world, village_clerk, api_as, yongan_dispute
):
    Membership.objects.create(user=village_clerk, body=world.bodies["永安社区"], role=Role.CLERK)
    through_fengyi = api_as(village_clerk, "枫一社区")
    through_yongan = api_as(village_clerk, "永安社区")
    assert through_fengyi.get(f"/disputes/{yongan_dispute['id']}").status_code == 404
    assert through_yongan.get(f"/disputes/{yongan_dispute['id']}").status_code == 200
    assert through_fengyi.post("/disputes", payload(region=330681109009)).status_code == 422


def test_it_lets_a_town_token_read_the_towns_villages(world, town_head, api_as, yongan_dispute):
    town = api_as(town_head, "枫桥镇")
    read = town.get(f"/disputes/{yongan_dispute['number']}")
    assert read.status_code == 200
    assert read.json()["actions"] == []  # the village group holds it: the town only reads


# --- listing -------------------------------------------------------------------------------------


def test_it_pages_by_cursor_newest_first(clerk_api):
    ids = [_register(clerk_api, title=f"第{i}件")["id"] for i in range(5)]
    first = clerk_api.get("/disputes", {"limit": 2}).json()
    assert [d["id"] for d in first["items"]] == ids[::-1][:2]
    second = clerk_api.get("/disputes", {"limit": 2, "cursor": first["next"]}).json()
    assert [d["id"] for d in second["items"]] == ids[::-1][2:4]
    last = clerk_api.get("/disputes", {"limit": 2, "cursor": second["next"]}).json()
    assert [d["id"] for d in last["items"]] == ids[:1]
    assert last["next"] is None


def test_it_filters_like_the_staff_list(clerk_api):
    fence = _register(clerk_api, title="院墙")
    wages = _register(clerk_api, title="欠薪", description="工资拖欠三个月。", category="labour")
    clerk_api.post(f"/disputes/{wages['id']}/actions/accept", {"version": 1})

    def listed(**params):
        return [d["id"] for d in clerk_api.get("/disputes", params).json()["items"]]

    assert listed(category="labour") == [wages["id"]]
    assert listed(status="registered") == [fence["id"]]
    assert listed(status="open") == [wages["id"], fence["id"]]
    assert listed(q="院墙") == [fence["id"]]
    assert listed(q=fence["number"]) == [fence["id"]]
    assert listed(holder=fence["holder"]["id"]) == [wages["id"], fence["id"]]
    assert listed(registered_from="2004-01-01", registered_to="2004-01-02") == []


def test_it_refuses_bad_filters_with_fields(clerk_api):
    for params, field in [
        ({"status": "lost"}, "status"),
        ({"category": "nope"}, "category"),
        ({"cursor": "abc"}, "cursor"),
        ({"limit": 1000}, "limit"),
        ({"registered_from": "2026-13-01"}, "registered_from"),
        ({"registered_from": "2026-03-02", "registered_to": "2026-03-01"}, "registered_to"),
        ({"region": "9" * 40}, "region"),
    ]:
        response = clerk_api.get("/disputes", params)
        assert response.status_code == 422, params
        assert response.json()["code"] == "invalid"
        assert field in response.json()["fields"], params


# --- errors --------------------------------------------------------------------------------------


def test_it_answers_invalid_input_with_fields_in_the_callers_language(api_as, village_clerk):
    chinese = api_as(village_clerk, "枫一社区")
    english = api_as(village_clerk, "枫一社区", language="en")
    data = payload(title="x" * 101)
    del data["description"]
    for api in (chinese, english):
        response = api.post("/disputes", data)
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "invalid"
        assert set(body["fields"]) == {"title", "description"}
    assert chinese.post("/disputes", data).json()["fields"]["description"] == ["此项为必填项"]
    assert english.post("/disputes", data).json()["fields"]["description"] == [
        "This field is required"
    ]


def test_it_names_the_party_field_at_fault(clerk_api):
    data = payload()
    data["parties"][0]["phone"] = "12345"
    response = clerk_api.post("/disputes", data)
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["parties.0.phone"]


def test_it_answers_a_body_that_is_not_json_with_400(clerk_api):
    response = clerk_api.post("/disputes", raw="{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_it_refuses_text_no_database_can_store(clerk_api):
    response = clerk_api.post("/disputes", payload(title="院墙\x00"))
    assert response.status_code == 422
    assert "title" in response.json()["fields"]
    assert not Dispute.objects.exists()


def test_it_answers_unknown_paths_and_methods_in_json(clerk_api):
    unknown = clerk_api.get("/no-such-thing")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    wrong = clerk_api.client.delete(
        "/api/v1/disputes", headers={"Authorization": f"Bearer {clerk_api.token}"}
    )
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"


# --- reference data and the document --------------------------------------------------------------


def test_it_lists_categories_regions_and_bodies_within_the_jurisdiction(world, api_as, town_head):
    town = api_as(town_head, "枫桥镇")
    categories = town.get("/categories").json()
    assert {"key": "neighbourhood", "name": "邻里纠纷", "active": True} in categories
    assert town.get("/regions").json() == [
        {"code": 330681109000, "name": "枫桥镇", "level": 4, "parent": 330681000000}
    ]
    villages = town.get("/regions", {"parent": 330681109000}).json()
    assert [r["name"] for r in villages] == ["枫一社区", "永安社区"]
    assert town.get("/regions", {"parent": 330681104000}).json() == []  # 店口镇: not ours
    bodies = town.get("/bodies").json()
    names = {b["name"] for b in bodies["items"]}
    assert world.bodies["枫一社区"].name in names
    assert world.bodies["店口镇"].name not in names
    assert bodies["next"] is None
    first = town.get("/bodies", {"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next"]


def test_it_serves_its_openapi_document(anonymous, world):
    response = anonymous.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "1"
    assert "/api/v1/disputes" in document["paths"]
    assert "/api/v1/disputes/{ref}/actions/transfer" in document["paths"]
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_it_serves_a_valid_openapi_document(world, keep_connection):
    import schemathesis

    from jiefen.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18


# --- two retries at once -------------------------------------------------------------------------


@concurrent
def test_it_registers_once_when_two_retries_with_one_key_arrive_together(
    world, village_clerk, monkeypatch
):
    """The first request holds its transaction open after registering; the second waits for it,
    finds the key taken when it writes it, rolls back and answers with the same dispute."""
    from jiefen.api import rest

    _token, raw = token_create(user=village_clerk, body=world.bodies["枫一社区"], name="x")
    original, first, inside = rest._register, threading.Lock(), threading.Event()

    def held(*args, **kwargs):
        registered = original(*args, **kwargs)
        if first.acquire(blocking=False):
            inside.set()
            time.sleep(HOLD)
        return registered

    monkeypatch.setattr(rest, "_register", held)
    answers = [None, None]

    def attempt(i):
        try:
            if i == 1:
                assert inside.wait(10)
            answers[i] = ApiClient(raw).post(
                "/disputes", payload(), headers={"Idempotency-Key": "double-click"}
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [201, 200]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert Dispute.objects.count() == 1
