"""The API's search box (`q=`) follows the one input rule of every door."""

import pytest


@pytest.mark.parametrize("q", ["ëí÷ý\x1e", "工资\x00", "\x7f"])
def test_it_refuses_a_search_with_a_control_character(clerk_api, q):
    response = clerk_api.get("/disputes", {"q": q})
    assert response.status_code == 422, response.content
    assert "q" in response.json()["fields"]


def test_it_searches_plain_words(clerk_api):
    assert clerk_api.get("/disputes", {"q": "工资"}).status_code == 200
