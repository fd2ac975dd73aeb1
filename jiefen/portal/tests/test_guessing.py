"""A stranger guessing query codes never locks the party out: wrong codes are counted per
guesser (address, and browser where there is one) in counters the portal and Open311's status
query share; a dispute number only has a ceiling that slows guessing down."""

import pytest
from django.test import Client

from jiefen.portal.tests.conftest import follow

pytestmark = pytest.mark.django_db

WRONG = "WRONGCODE2"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


def _open311(client, number, code, ip):
    return client.get(f"/open311/v2/requests/{number}.json", {"query_code": code}, REMOTE_ADDR=ip)


def test_a_guesser_elsewhere_never_locks_the_party_out(client, world, filed):
    dispute, code = filed
    for _ in range(12):
        follow(client, dispute.number, WRONG, ip="10.66.0.1")
    assert follow(client, dispute.number, WRONG, ip="10.66.0.1").status_code == 429
    assert follow(client, dispute.number, code, ip="10.66.0.1").status_code == 429
    # The party, from her own address, gets in at once, on the portal and through Open311.
    assert follow(Client(), dispute.number, code, ip="10.1.0.7").status_code == 302
    assert _open311(Client(), dispute.number, code, "10.1.0.8").status_code == 200


def test_the_portal_and_open311_share_the_guessers_counter(client, world, filed):
    dispute, code = filed
    for _ in range(10):
        assert follow(client, dispute.number, WRONG, ip="10.66.0.2").status_code == 400
    assert _open311(client, dispute.number, WRONG, "10.66.0.2").status_code == 429
    assert _open311(client, dispute.number, code, "10.66.0.2").status_code == 429
    for _ in range(10):
        assert _open311(client, dispute.number, WRONG, "10.66.0.3").status_code == 404
    assert follow(client, dispute.number, WRONG, ip="10.66.0.3").status_code == 429


def test_browsers_behind_one_address_are_counted_apart(world, filed):
    dispute, code = filed
    guesser, party = Client(), Client()
    guesser.get("/public/follow/", REMOTE_ADDR="10.9.9.9")  # sets the browser's CSRF cookie
    party.get("/public/follow/", REMOTE_ADDR="10.9.9.9")
    for _ in range(10):
        follow(guesser, dispute.number, WRONG, ip="10.9.9.9")
    assert follow(guesser, dispute.number, code, ip="10.9.9.9").status_code == 429
    assert follow(party, dispute.number, code, ip="10.9.9.9").status_code == 302


def test_a_ceiling_per_number_slows_guessers_who_change_address(client, world, filed):
    dispute, code = filed
    for i in range(20):  # the ceiling, from as many addresses
        follow(client, dispute.number, WRONG, ip=f"10.77.0.{i}")
    # Past it, an address gets two wrong codes for the number, then waits.
    assert follow(client, dispute.number, WRONG, ip="10.77.1.1").status_code == 400
    assert follow(client, dispute.number, WRONG, ip="10.77.1.1").status_code == 400
    assert follow(client, dispute.number, WRONG, ip="10.77.1.1").status_code == 429
    assert _open311(client, dispute.number, code, "10.77.1.1").status_code == 429
    # The party still gets in from her address, and so does another dispute's party.
    assert follow(Client(), dispute.number, code, ip="10.1.0.9").status_code == 302
