"""One input rule at every door (jiefen.lib.text): a NUL or another control character is refused
with the same message by the staff forms, the portal, the API, Open311 and the importer; text of
zero-width characters only is empty, like text of spaces."""

import pytest
from django.test import Client
from django.utils import translation

from jiefen.api.tests.conftest import ApiClient, payload
from jiefen.api.tokens import token_create
from jiefen.disputes.forms import ReasonForm
from jiefen.disputes.models import Dispute
from jiefen.lib.text import MESSAGE, text_blank, text_clean, text_problem
from jiefen.portal.tests.conftest import filing_form
from jiefen.spreadsheets.importing import check_file
from jiefen.spreadsheets.tests.conftest import csv_bytes, row, xlsx

ZERO_WIDTH = "\u200b\u200b\u2060"
REFUSED = ["院墙\x00争议", "院墙\x1b[31m争议", "院墙\x7f争议", "院墙\x85争议"]


def _api(world, user) -> ApiClient:
    _token, raw = token_create(user=user, body=world.bodies["枫一社区"], name="test")
    return ApiClient(raw)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    from django.core.cache import cache

    cache.clear()


def test_the_rule_itself():
    for text in REFUSED:
        assert text_problem(text) == str(MESSAGE)
        with pytest.raises(ValueError):
            text_clean(text)
    assert text_problem("第一行\n第二行\t缩进\r\n") is None
    assert text_blank(ZERO_WIDTH) and text_blank("  \u200b ") and not text_blank("\u200b字")
    assert text_clean(f" {ZERO_WIDTH} ") == ""
    with translation.override("en"):
        assert str(MESSAGE) == "must not contain control characters (such as NUL)"


@pytest.mark.parametrize("text", REFUSED)
def test_a_staff_form_refuses_control_characters(world, text):
    form = ReasonForm({"version": "1", "reason": text})
    assert not form.is_valid()
    assert form.errors["reason"] == [str(MESSAGE)]


def test_a_staff_form_treats_zero_width_text_as_empty(world):
    form = ReasonForm({"version": "1", "reason": ZERO_WIDTH})
    assert form.is_valid()
    assert form.cleaned_data["reason"] == ""


@pytest.mark.parametrize("text", REFUSED)
def test_the_portal_refuses_control_characters(client, world, text):
    response = client.post("/public/", filing_form(world, title=text))
    assert response.status_code == 400
    assert str(MESSAGE) in response.content.decode()
    assert not Dispute.objects.exists()


def test_the_portal_treats_zero_width_text_as_empty(client, world):
    response = client.post("/public/", filing_form(world, title=ZERO_WIDTH))
    assert response.status_code == 400
    assert not Dispute.objects.exists()


@pytest.mark.parametrize("text", REFUSED)
def test_the_api_refuses_control_characters(world, village_clerk, text):
    api = _api(world, village_clerk)
    response = api.post("/disputes", payload(title=text))
    assert response.status_code == 422
    assert response.json()["fields"]["title"] == [str(MESSAGE)]


def test_the_api_treats_zero_width_text_as_empty(world, village_clerk):
    api = _api(world, village_clerk)
    response = api.post("/disputes", payload(title=ZERO_WIDTH))
    assert response.status_code == 422
    assert response.json()["fields"]["title"] == ["此项为必填项"]
    dispute = api.post("/disputes", payload()).json()
    refused = api.post(
        f"/disputes/{dispute['id']}/actions/decline",
        {"version": dispute["version"], "reason": ZERO_WIDTH},
    )
    assert refused.status_code == 422
    assert "reason" in refused.json()["fields"]


@pytest.mark.parametrize("text", REFUSED)
def test_open311_refuses_control_characters(world, text):
    client = Client(HTTP_HOST="localhost")
    response = client.post(
        "/open311/v2/requests.json",
        {
            "jurisdiction_id": "330681109008",
            "service_code": "neighbourhood",
            "address_string": "枫一村",
            "description": text,
            "last_name": "张",
        },
    )
    assert response.status_code == 400
    assert str(MESSAGE) in response.json()[0]["description"]
    assert not Dispute.objects.exists()


def test_open311_treats_zero_width_text_as_empty(world):
    client = Client(HTTP_HOST="localhost")
    response = client.post(
        "/open311/v2/requests.json",
        {
            "jurisdiction_id": "330681109008",
            "service_code": "neighbourhood",
            "lat": "29.71",
            "long": "120.24",
            "description": ZERO_WIDTH,
            "last_name": "张",
        },
    )
    assert response.status_code == 400
    assert not Dispute.objects.exists()


def test_the_importer_refuses_control_characters(world, village_clerk):
    # A workbook cannot carry control characters (openpyxl refuses to write them): a CSV can.
    raw = csv_bytes([row(事由="院墙\x00争议"), row(简要情况="院墙\x1b争议")])
    rows, result = check_file(village_clerk, raw, "ledger.csv")
    assert rows == []
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(2, "事由")] == str(MESSAGE)
    assert messages[(3, "简要情况")] == str(MESSAGE)


@pytest.mark.parametrize(("make", "name"), [(xlsx, "x.xlsx"), (csv_bytes, "x.csv")])
def test_the_importer_treats_zero_width_text_as_empty(world, village_clerk, make, name):
    rows, result = check_file(village_clerk, make([row(事由=ZERO_WIDTH)]), name)
    assert rows == []
    assert {(e.row, e.column, e.message) for e in result.errors} == {(2, "事由", "此项为必填项")}
