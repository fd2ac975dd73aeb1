"""Open311 GeoReport v2 where jiefen once strayed from the standard: optional names, numeric
attributes, location parameters, tokens, methods and jurisdictions — every refusal in the
standard error array."""

import pytest
from django.test import Client

from jiefen.disputes.models import Dispute, Party

BASE = "/open311/v2"


@pytest.fixture
def client():
    return Client(HTTP_HOST="localhost")


def _file(client, **overrides):
    data = {
        "jurisdiction_id": "330681109008",
        "service_code": "neighbourhood",
        "description": "邻居在我家门口堆放建筑垃圾，多次协商未果。",
        "address_string": "枫一村 3 组",
    } | overrides
    return client.post(f"{BASE}/requests.json", {k: v for k, v in data.items() if v is not None})


def _errors(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()
    assert errors and all(e["code"] == status and e["description"] for e in errors)
    return " ".join(e["description"] for e in errors)


def test_names_are_optional(client, world):
    response = _file(client)
    assert response.status_code == 200, response.content
    dispute = Dispute.objects.get(number=response.json()[0]["service_request_id"])
    assert Party.objects.get(dispute=dispute, side="applicant").name == "未留姓名"


@pytest.mark.parametrize("value", ["many", "-5", "0", "1.5", "１２", "99999999999"])
def test_a_numeric_attribute_refuses_what_is_not_a_count(client, world, value):
    described = _errors(_file(client, **{"attribute[people_involved]": value}), 400)
    assert "attribute[people_involved]" in described
    assert not Dispute.objects.exists()


def test_a_numeric_attribute_takes_a_count(client, world):
    response = _file(client, **{"attribute[people_involved]": "12"})
    assert response.status_code == 200
    assert Dispute.objects.get().people_involved == 12


@pytest.mark.parametrize(
    ("lat", "long"),
    [("north", "120.2"), ("29.7", ""), ("", "120.2"), ("91", "120.2"), ("29.7", "-180.5"),
     ("nan", "120"), ("inf", "120"), ("29.7", "1e400")],
)  # fmt: skip
def test_malformed_or_out_of_range_coordinates_are_refused(client, world, lat, long):
    _errors(_file(client, lat=lat, long=long, address_string=None, last_name="张"), 400)
    assert not Dispute.objects.exists()


def test_a_request_needs_a_location(client, world):
    described = _errors(_file(client, address_string=None), 400)
    assert "lat" in described and "address_string" in described and "address_id" in described
    assert not Dispute.objects.exists()


def test_any_one_location_is_enough(client, world):
    assert _file(client, address_string=None, lat="29.71", long="120.24").status_code == 200
    assert _file(client, address_string="枫一村").status_code == 200
    town = _file(client, jurisdiction_id="330681109000", address_string=None,
                 address_id="330681109008")  # fmt: skip
    assert town.status_code == 200
    placed = Dispute.objects.get(number=town.json()[0]["service_request_id"])
    assert placed.region_code == 330681109008
    _errors(_file(client, address_string=None, address_id="330681104004"), 400)  # elsewhere
    _errors(_file(client, address_string=None, address_id="abc"), 400)


def test_a_token_lookup_answers_the_error_array(client, world):
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}/tokens/12345.{fmt}")
        assert response.status_code == 404
    _errors(client.get(f"{BASE}/tokens/12345.json"), 404)
    _errors(client.get(f"{BASE}/no/such/thing.json"), 404)


@pytest.mark.parametrize(
    "path", ["requests.json", "services.json", "discovery.json", "services/neighbourhood.json",
             "requests/330681109-2026-000001.json"],
)  # fmt: skip
def test_a_method_a_resource_does_not_take_answers_405(world, path):
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    for method in (client.put, client.delete, client.patch):
        response = method(f"{BASE}/{path}")
        _errors(response, 405)
        assert "GET" in response["Allow"]


def test_an_unknown_jurisdiction_on_services_is_an_error(client, world):
    _errors(client.get(f"{BASE}/services.json", {"jurisdiction_id": "999999999999"}), 404)
    _errors(client.get(f"{BASE}/services.json", {"jurisdiction_id": "zhuji"}), 404)
    known = client.get(f"{BASE}/services.json", {"jurisdiction_id": "330681109008"})
    assert known.status_code == 200 and known.json()
