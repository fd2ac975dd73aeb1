"""A body over the upload limits answers 413 in the form of its door, never 500."""

import json

import pytest
from django.test import Client

from jiefen.api.tokens import token_create

LIMIT = 64 * 1024


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT


def _big_json() -> str:
    return json.dumps({"title": "长" * LIMIT})


def test_the_api_answers_413_in_its_envelope(world, village_clerk):
    _token, raw = token_create(user=village_clerk, body=world.bodies["枫一社区"], name="t")
    client = Client(HTTP_HOST="localhost")
    response = client.post(
        "/api/v1/disputes",
        _big_json(),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and response.json()["message"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_413_in_its_error_array(world, fmt):
    client = Client(HTTP_HOST="localhost")
    response = client.post(f"/open311/v2/requests.{fmt}", {"description": "长" * LIMIT})
    assert response.status_code == 413
    if fmt == "json":
        assert response.json()[0]["code"] == 413
    else:
        assert b"<code>413</code>" in response.content


def test_a_form_post_answers_a_page_in_the_sites_layout(world, village_clerk):
    client = Client(HTTP_HOST="localhost")
    for path in ("/public/", "/login/"):
        response = client.post(path, {"title": "长" * LIMIT})
        assert response.status_code == 413, path
        page = response.content.decode()
        assert "提交的内容过大" in page
        assert '<header class="top">' in page  # the site's layout
