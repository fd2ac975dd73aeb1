from jiefen.disputes import services
from jiefen.disputes.models import Event, Status
from jiefen.disputes.tests.conftest import at, register


def test_it_carries_a_complex_dispute_from_village_to_town(world, village_clerk, town_head):
    d = register(world, village_clerk, complex=True, when=at(2026, 2, 12))
    # Registered Thursday 12 Feb 2026; Sat 14 Feb is a make-up working day, then Spring
    # Festival 15–23 Feb: the third working day after the 12th is Mon 23? No — 13 (Fri),
    # 14 (make-up Sat), then the next working day is 24 Feb.
    assert d.due_date.isoformat() == "2026-02-24"
    d = services.dispute_transfer(
        actor=village_clerk,
        dispute_id=d.pk,
        version=d.version,
        reason="涉及邻村，需镇里协调",
        at=at(2026, 2, 13),
    )
    assert d.status == Status.TRANSFERRING
    d = services.dispute_receive(
        actor=town_head, dispute_id=d.pk, version=d.version, at=at(2026, 2, 25)
    )
    assert d.holder == world.bodies["枫桥镇"]
    assert list(Event.objects.filter(dispute=d).values_list("action", flat=True)) == [
        "register",
        "transfer",
        "receive",
    ]
    stays = list(d.stays.order_by("id"))
    assert stays[0].met is True
