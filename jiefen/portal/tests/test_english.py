"""The portal in English, from the repository's catalogue compiled here."""

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.utils import translation

from jiefen.lib.tests.test_translations import PO

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(settings, tmp_path):
    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with PO.open("rb") as f, (folder / "django.mo").open("wb") as out:
        write_mo(out, read_po(f))
    settings.LOCALE_PATHS = [tmp_path]
    with translation.override("en"):
        yield


def test_it_files_in_english(client, world, english):
    page = client.get("/public/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Apply for mediation" in page and "Check question: what is " in page
    response = client.post("/public/", {"title": "x" * 101}, HTTP_ACCEPT_LANGUAGE="en")
    assert "At most 100 characters (this has 101)" in response.content.decode()
