"""Staff reach a reception booking only through access.booking_for: a booking of a day in
another jurisdiction is answered exactly as one that does not exist, and is never read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.lib.errors import NotFound
from jiefen.receptions.access import booking_for
from jiefen.receptions.models import BookingStatus, ReceptionBooking
from jiefen.receptions.services import reception_book
from jiefen.receptions.tests.conftest import at
from jiefen.receptions.tests.test_receptions import matter, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(world, county_officer, county_leader):
    """A booking on 诸暨市's reception day of 18 March 2026."""
    day = publish(world, county_officer, county_leader)
    slot = day.slots.order_by("starts_at").first()
    return reception_book(
        actor=county_officer, slot_id=slot.pk, matter=matter(), at=at(2026, 3, 11)
    )


def _refusal(actor, pk):
    with pytest.raises(NotFound) as refused:
        booking_for(actor, pk)
    return str(refused.value.message)


def test_a_foreign_booking_is_answered_as_a_missing_one(
    booking, county_officer, village_clerk, outsider
):
    mine = booking_for(county_officer, booking.pk)
    assert mine == booking and mine.slot.day.body.region is not None
    missing = _refusal(village_clerk, 999999)
    assert _refusal(village_clerk, booking.pk) == missing
    assert _refusal(outsider, booking.pk) == missing


def test_a_booking_comes_in_one_scoped_query(booking, village_clerk):
    with CaptureQueriesContext(connection) as queries, pytest.raises(NotFound):
        booking_for(village_clerk, booking.pk)
    # Fetched for the actor (the jurisdiction in the query), never fetched and then checked.
    reads = [q["sql"] for q in queries.captured_queries if "meetings_receptionbooking" in q["sql"]]
    assert len(reads) == 1 and "BETWEEN" in reads[0]


@pytest.mark.parametrize("action", ["record", "cancel"])
def test_staff_below_the_day_cannot_touch_its_bookings(client, booking, village_clerk, action):
    client.force_login(village_clerk)
    data = {f"b{booking.pk}-record": "听取诉求"}
    foreign = client.post(f"/meetings/receptions/bookings/{booking.pk}/{action}/", data)
    missing = client.post(f"/meetings/receptions/bookings/999999/{action}/", data)
    assert foreign.status_code == missing.status_code == 404
    assert ReceptionBooking.objects.get().status == BookingStatus.BOOKED


@pytest.mark.parametrize("action", ["record", "cancel"])
def test_the_pages_never_read_a_foreign_booking(client, booking, village_clerk, action):
    client.force_login(village_clerk)
    with CaptureQueriesContext(connection) as queries:
        client.post(f"/meetings/receptions/bookings/{booking.pk}/{action}/", {})
    reads = [q["sql"] for q in queries.captured_queries if "meetings_receptionbooking" in q["sql"]]
    assert reads and all("BETWEEN" in sql for sql in reads)
