"""The OpenAPI document says what the server accepts: enums from the data, exact days, text
that must say something, and links a stateful client follows; what it refuses, the server
refuses with the API's envelope (422, with the field's path)."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from jiefen.api.openapi import day_pattern
from jiefen.api.tests.conftest import payload
from jiefen.disputes.models import Category


@pytest.fixture
def document(anonymous, world):
    return anonymous.get("/openapi.json").json()


def component(document, name):
    return document["components"]["schemas"][name]


def test_category_keys_are_enums_that_follow_the_database(anonymous, world):
    Category.objects.filter(key="medical").update(active=False)
    document = anonymous.get("/openapi.json").json()
    keys = component(document, "DisputeIn")["properties"]["category"]["enum"]
    assert "neighbourhood" in keys and "medical" not in keys
    assert keys == list(Category.objects.filter(active=True).values_list("key", flat=True))
    # The list's filter takes any category, retired ones too.
    (parameter,) = [
        p
        for p in document["paths"]["/api/v1/disputes"]["get"]["parameters"]
        if p["name"] == "category"
    ]
    (text,) = [b for b in parameter["schema"]["anyOf"] if b.get("type") == "string"]
    assert "medical" in text["enum"]


def test_days_are_exact_from_2004_and_the_ones_that_happened_end_today(document):
    today = timezone.localdate()
    held_on = re.compile(component(document, "SessionIn")["properties"]["held_on"]["pattern"])
    assert held_on.match(today.isoformat()) and held_on.match("2004-01-01")
    assert not held_on.match((today + timedelta(days=1)).isoformat())
    assert not held_on.match("2003-12-31")
    pattern = re.compile(day_pattern(date(2004, 1, 1), date(2099, 12, 31)))
    day = date(2004, 1, 1)
    while day <= date(2030, 12, 31):
        assert pattern.match(day.isoformat()), day
        day += timedelta(days=1)
    for wrong in ("2005-02-29", "2024-04-31", "2024-13-01", "2024-00-10", "2100-01-01", "2024-1-1"):
        assert not pattern.match(wrong), wrong
    assert pattern.match("2024-02-29")


def test_what_the_document_refuses_the_server_refuses_with_the_fields_path(clerk_api, document):
    registration = component(document, "DisputeIn")
    blank = re.compile(registration["properties"]["title"]["pattern"])
    assert not blank.match("\u200b\u200b") and not blank.match("   ") and blank.match(" 院墙 ")
    for data, field in [
        (payload(title="\u200b\u200b"), "title"),
        (payload(category="no-such-category"), "category"),
        (payload(parties=[{"side": "respondent", "name": "李四"}]), "parties"),
        (payload(amount=0.1), "amount"),
        (payload(amount="12.345"), "amount"),
        (payload(people_involved=0), "people_involved"),
        (
            payload(parties=[{"side": "applicant", "name": "张三", "phone": "12345"}]),
            "parties.0.phone",
        ),
    ]:
        response = clerk_api.post("/disputes", data)
        assert response.status_code == 422, (data, response.content)
        assert response.json()["code"] == "invalid"
        assert field in response.json()["fields"], (field, response.json())
    response = clerk_api.get("/disputes", {"registered_from": "2003-12-31"})
    assert response.status_code == 422 and "registered_from" in response.json()["fields"]
    created = clerk_api.post("/disputes", payload(amount="1200.50")).json()
    assert created["amount"] == "1200.50"
    ref = created["id"]
    accepted = clerk_api.post(f"/disputes/{ref}/actions/accept", {"version": created["version"]})
    version = accepted.json()["version"]
    for body, field in [
        ({"version": version, "reason": " \u3000 "}, "reason"),
    ]:
        response = clerk_api.post(f"/disputes/{ref}/actions/transfer", body)
        assert response.status_code == 422 and field in response.json()["fields"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    session = {
        "version": version,
        "held_on": tomorrow,
        "place": "村委会",
        "mediators": "陈小梅",
        "attendees": "张三、李四",
        "record": "双方陈述。",
    }
    for held_on in (tomorrow, "2003-06-01"):
        response = clerk_api.post(
            f"/disputes/{ref}/actions/session", session | {"held_on": held_on}
        )
        assert response.status_code == 422 and "held_on" in response.json()["fields"]
    response = clerk_api.post(
        f"/disputes/{ref}/actions/resolve", {"version": version, "outcome": "no_agreement"}
    )
    assert response.status_code == 422 and "route" in response.json()["fields"]
    response = clerk_api.post(
        f"/disputes/{ref}/actions/resolve", {"version": version, "outcome": "agreement"}
    )
    assert response.status_code == 422 and "agreement" in response.json()["fields"]


def test_links_chain_register_accept_transfer_by_the_answers_id_and_version(document):
    register = document["paths"]["/api/v1/disputes"]["post"]
    accept = document["paths"]["/api/v1/disputes/{ref}/actions/accept"]["post"]
    transfer = document["paths"]["/api/v1/disputes/{ref}/actions/transfer"]["post"]
    to_accept = register["responses"]["201"]["links"]["AcceptDispute"]
    assert to_accept["operationId"] == accept["operationId"]
    assert to_accept["parameters"] == {"path.ref": "$response.body#/id"}
    assert to_accept["requestBody"] == {"version": "$response.body#/version"}
    to_transfer = accept["responses"]["200"]["links"]["TransferDispute"]
    assert to_transfer["operationId"] == transfer["operationId"]
    assert to_transfer["requestBody"]["version"] == "$response.body#/version"
    assert to_transfer["requestBody"]["reason"]
