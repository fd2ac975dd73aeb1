"""Receptions: a leader's day with slots; staff and parties book a slot for a dispute or a new
matter; the record is linked to the dispute, or registers a new one."""

from datetime import date, time

import pytest
from django.utils import timezone

from jiefen.disputes.lifecycle import IllegalMove, Invalid
from jiefen.disputes.models import Category, Dispute
from jiefen.disputes.public import PublicFiling, dispute_file
from jiefen.disputes.services import DisputeInput, PartyInput
from jiefen.receptions.models import BookingStatus, ReceptionBooking, ReceptionSlot
from jiefen.receptions.services import (
    DayInput,
    MatterInput,
    reception_book,
    reception_publish,
    reception_record,
)
from jiefen.receptions.tests.conftest import at, transferred_to_county

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 18)


def publish(world, actor, leader, **changes):
    data = DayInput(
        leader=leader,
        kind="appointment",
        date=DAY,
        starts_at=time(9, 0),
        ends_at=time(11, 0),
        place="诸暨市社会矛盾纠纷调处化解中心接待室",
        slot_minutes=30,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return reception_publish(
        actor=actor, body=world.bodies["诸暨市"], data=data, at=at(2026, 3, 10)
    )


def matter():
    return MatterInput(
        title="小区电梯加装分摊争议",
        description="部分业主不同意分摊。",
        contact_name="钱七",
        contact_phone="13912345678",
    )


def test_a_leader_publishes_a_day_with_slots(world, county_officer, county_leader):
    day = publish(world, county_officer, county_leader)
    slots = list(day.slots.values_list("starts_at", flat=True))
    assert slots == [time(9, 0), time(9, 30), time(10, 0), time(10, 30)]
    with pytest.raises(Invalid) as refused:
        publish(world, county_officer, county_leader, ends_at=time(8, 0))
    assert "ends_at" in refused.value.fields
    with pytest.raises(Invalid):
        publish(world, county_officer, county_officer.__class__.objects.create(username="x"))


def test_staff_book_for_a_dispute_and_the_record_joins_its_history(
    world, village_clerk, town_head, county_officer, county_leader
):
    dispute = transferred_to_county(
        world, village_clerk, town_head, county_officer, when=at(2026, 3, 3)
    )
    day = publish(world, county_officer, county_leader)
    first, second = day.slots.order_by("starts_at")[:2]
    booking = reception_book(
        actor=county_officer, slot_id=first.pk, dispute=dispute, at=at(2026, 3, 11)
    )
    with pytest.raises(IllegalMove):
        reception_book(actor=county_officer, slot_id=first.pk, matter=matter(), at=at(2026, 3, 11))
    assert ReceptionBooking.objects.count() == 1
    with pytest.raises(IllegalMove):  # the day has not come yet
        reception_record(
            actor=county_leader, booking_id=booking.pk, record="听取诉求", at=at(2026, 3, 12)
        )
    due = Dispute.objects.get(pk=dispute.pk).due_date
    reception_record(
        actor=county_leader,
        booking_id=booking.pk,
        record="听取双方诉求，责成国土部门一周内勘界。",
        at=at(2026, 3, 18, 10),
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD
    event = Dispute.objects.get(pk=dispute.pk).events.order_by("-id").first()
    assert (event.action, event.reason, event.public) == (
        "reception",
        "听取双方诉求，责成国土部门一周内勘界。",
        False,
    )
    # The event carries the deadline, as every event does for the overdue figures.
    assert event.params["due"] == due.isoformat() and event.params["booking"] == booking.pk
    assert second.bookings.count() == 0


def test_a_new_matter_is_registered_at_the_reception(world, county_officer, county_leader):
    day = publish(world, county_officer, county_leader)
    slot = day.slots.first()
    booking = reception_book(
        actor=county_officer, slot_id=slot.pk, matter=matter(), at=at(2026, 3, 11)
    )
    reception_record(
        actor=county_officer,
        booking_id=booking.pk,
        record="当场登记，转镇里调处。",
        register=DisputeInput(
            body=world.bodies["诸暨市"],
            category=Category.objects.get(key="neighbourhood"),
            channel="walk_in",
            region=world.regions["枫桥镇"],
            title=booking.title,
            description=booking.description,
            parties=[PartyInput(side="applicant", name="钱七", phone="13912345678")],
        ),
        at=at(2026, 3, 18, 10),
    )
    booking.refresh_from_db()
    assert booking.dispute.title == "小区电梯加装分摊争议"
    assert [e.action for e in booking.dispute.events.order_by("id")] == ["register", "reception"]


def test_a_party_books_on_the_public_page(
    client, world, village_clerk, county_officer, county_leader
):
    from jiefen.portal import guard

    dispute, code = dispute_file(
        data=PublicFiling(
            region=world.regions["枫一社区"],
            category=Category.objects.get(key="neighbourhood"),
            title="院墙纠纷",
            description="院墙位置争议。",
            parties=[PartyInput(side="applicant", name="张三", phone="13812345678")],
        )
    )
    day = publish(world, county_officer, county_leader, date=timezone.localdate())
    assert "诸暨市" in client.get("/meetings/receptions/public/").content.decode()
    slot = ReceptionSlot.objects.filter(day=day).first()

    def post(**fields):
        challenge = guard.challenge_new()
        return client.post(
            f"/meetings/receptions/public/{day.pk}/",
            {"slot": slot.pk, "challenge": challenge.token, "answer": challenge.a + challenge.b}
            | fields,
        )

    wrong = post(number=dispute.number, code="WRONGCODE2")
    assert wrong.status_code == 400 and "编号或查询码不正确" in wrong.content.decode()
    assert not ReceptionBooking.objects.exists()
    done = post(number=dispute.number, code=code)
    assert done.status_code == 200 and "预约成功" in done.content.decode()
    booking = ReceptionBooking.objects.get()
    assert (booking.dispute, booking.public, booking.booked_by) == (dispute, True, None)
    taken = post(title="新事项", contact_name="李四", contact_phone="13912345678")
    assert taken.status_code == 400
