"""Transfers up a level: in time or late, received or returned, and who may do which.

A complex dispute registered in 枫一社区 on Thu 12 Feb 2026 must reach the town within three
working days: by Tue 24 Feb, the Spring Festival break in between.
"""

from datetime import date

import pytest

from jiefen.disputes.lifecycle import Forbidden, IllegalMove, Invalid
from jiefen.disputes.models import Event, LevelStay, Status
from jiefen.disputes.tests.conftest import at, register
from jiefen.disputes.tests.steps import open_stays, perform, snapshot


@pytest.fixture
def complex_dispute(world, village_clerk):
    dispute = register(world, village_clerk, complex=True, when=at(2026, 2, 12))
    assert dispute.due_date == date(2026, 2, 24)
    return dispute


def _village_stay(dispute):
    return LevelStay.objects.get(dispute=dispute, tier="village", arrived_how="registered")


def test_it_meets_the_deadline_with_a_transfer_sent_in_time_whenever_the_town_receives_it(
    world, village_clerk, town_head, complex_dispute
):
    dispute = perform(
        "transfer", actor=village_clerk, dispute=complex_dispute, at=at(2026, 2, 24, 17, 30)
    )

    assert (dispute.status, dispute.holder, dispute.transfer_to, dispute.due_date) == (
        Status.TRANSFERRING,
        world.bodies["枫一社区"],
        world.bodies["枫桥镇"],
        None,
    )
    stay = _village_stay(dispute)
    assert (stay.left_at, stay.left_how, stay.met) == (
        at(2026, 2, 24, 17, 30),
        LevelStay.Left.TRANSFERRED,
        True,
    )
    assert open_stays(dispute) == []
    sent = Event.objects.get(dispute=dispute, action="transfer")
    assert sent.params["in_time"] is True
    assert sent.params["to_body"] == world.bodies["枫桥镇"].pk
    assert sent.params["to_tier"] == "town"
    assert (sent.body, sent.actor, sent.reason) == (
        world.bodies["枫一社区"],
        village_clerk,
        "涉及邻村土地，本级无法协调",
    )

    # The town is slow to receive it, after the village's deadline.
    dispute = perform("receive", actor=town_head, dispute=dispute, at=at(2026, 2, 26))

    assert (dispute.status, dispute.holder, dispute.tier, dispute.transfer_to, dispute.owner) == (
        Status.ACCEPTED,
        world.bodies["枫桥镇"],
        "town",
        None,
        town_head,
    )
    assert _village_stay(dispute).met is True
    assert Event.objects.get(dispute=dispute, action="transfer").params["in_time"] is True
    (town,) = open_stays(dispute)
    assert (town.tier, town.body, town.arrived_at, town.arrived_how, town.met) == (
        "town",
        world.bodies["枫桥镇"],
        at(2026, 2, 26),
        "transferred",
        None,
    )
    # Fri 27, make-up Sat 28, Mon 2 … Fri 6 Mar.
    assert town.due_date == dispute.due_date == date(2026, 3, 6)
    received = Event.objects.get(dispute=dispute, action="receive")
    assert (received.body, received.from_status, received.to_status) == (
        world.bodies["枫桥镇"],
        Status.TRANSFERRING,
        Status.ACCEPTED,
    )
    assert received.params["from_body"] == world.bodies["枫一社区"].pk


def test_it_counts_the_last_minute_of_the_due_day_as_in_time(village_clerk, complex_dispute):
    dispute = perform(
        "transfer", actor=village_clerk, dispute=complex_dispute, at=at(2026, 2, 24, 23, 59)
    )
    assert _village_stay(dispute).met is True


@pytest.mark.parametrize("when", [at(2026, 2, 25, 0, 1), at(2026, 3, 10)])
def test_it_records_a_late_transfer_as_late(village_clerk, complex_dispute, when):
    dispute = perform("transfer", actor=village_clerk, dispute=complex_dispute, at=when)

    assert dispute.status == Status.TRANSFERRING
    assert _village_stay(dispute).met is False
    assert Event.objects.get(dispute=dispute, action="transfer").params["in_time"] is False


def test_it_records_no_verdict_for_a_transfer_without_a_deadline(world, village_clerk):
    dispute = register(world, village_clerk, when=at(2026, 2, 12))
    dispute = perform("transfer", actor=village_clerk, dispute=dispute, at=at(2026, 3, 30))
    assert _village_stay(dispute).met is None
    assert Event.objects.get(dispute=dispute, action="transfer").params["in_time"] is None


def test_it_gives_a_returned_dispute_back_to_the_village_with_a_fresh_stay(
    world, village_clerk, town_head, complex_dispute
):
    dispute = perform("transfer", actor=village_clerk, dispute=complex_dispute, at=at(2026, 2, 13))
    dispute = perform("return", actor=town_head, dispute=dispute, at=at(2026, 2, 24))

    assert (dispute.status, dispute.holder, dispute.tier, dispute.transfer_to) == (
        Status.ACCEPTED,
        world.bodies["枫一社区"],
        "village",
        None,
    )
    assert dispute.accepted_at == at(2026, 2, 24)
    first, again = LevelStay.objects.filter(dispute=dispute).order_by("id")
    assert (first.left_how, first.met) == (LevelStay.Left.TRANSFERRED, True)
    assert (again.body, again.arrived_how, again.left_at) == (
        world.bodies["枫一社区"],
        "returned",
        None,
    )
    # Back at the village, the mediation clock runs from the return: 24 Feb + 30 days.
    assert again.due_date == dispute.due_date == date(2026, 3, 26)
    returned = Event.objects.get(dispute=dispute, action="return")
    assert (returned.body, returned.actor, returned.reason) == (
        world.bodies["枫桥镇"],
        town_head,
        "属村级可调处事项，退回继续调解",
    )
    assert returned.params["from_body"] == world.bodies["枫桥镇"].pk


def test_it_carries_a_dispute_from_the_town_to_the_county_meeting(
    world, village_clerk, town_head, county_officer, complex_dispute
):
    dispute = perform("transfer", actor=village_clerk, dispute=complex_dispute, at=at(2026, 2, 13))
    dispute = perform("receive", actor=town_head, dispute=dispute, at=at(2026, 2, 24))
    dispute = perform("transfer", actor=town_head, dispute=dispute, at=at(2026, 3, 2))
    assert dispute.transfer_to == world.bodies["诸暨市"]
    town = LevelStay.objects.get(dispute=dispute, tier="town")
    assert (town.due_date, town.met) == (date(2026, 3, 4), True)  # make-up Sat 28 counts

    dispute = perform("receive", actor=county_officer, dispute=dispute, at=at(2026, 3, 3))
    assert (dispute.holder, dispute.tier) == (world.bodies["诸暨市"], "county")
    assert [(s.tier, s.left_how) for s in dispute.stays.order_by("id")] == [
        ("village", "transferred"),
        ("town", "transferred"),
        ("county", ""),
    ]
    # The county meets monthly: the department is named by the month's last working day.
    assert (dispute.due_date, dispute.due_action) == (date(2026, 3, 31), "assign_department")

    # The county meeting is the top of the chain.
    before = snapshot(dispute.pk)
    with pytest.raises(IllegalMove):
        perform("transfer", actor=county_officer, dispute=dispute, at=at(2026, 3, 4))
    assert snapshot(dispute.pk) == before


def test_it_lets_only_the_holder_transfer_and_only_the_receiver_receive(
    world, village_clerk, other_village_clerk, town_head, other_town_head, complex_dispute
):
    before = snapshot(complex_dispute.pk)
    # The town head sees the village's dispute but does not hold it.
    with pytest.raises(Forbidden):
        perform("transfer", actor=town_head, dispute=complex_dispute, at=at(2026, 2, 13))
    assert snapshot(complex_dispute.pk) == before

    dispute = perform("transfer", actor=village_clerk, dispute=complex_dispute, at=at(2026, 2, 13))
    before = snapshot(dispute.pk)
    with pytest.raises(Forbidden):
        perform("receive", actor=village_clerk, dispute=dispute, at=at(2026, 2, 24))
    with pytest.raises(Forbidden):
        perform("return", actor=village_clerk, dispute=dispute, at=at(2026, 2, 24))
    assert snapshot(dispute.pk) == before


def test_it_will_not_transfer_without_reasons(village_clerk, complex_dispute):
    before = snapshot(complex_dispute.pk)
    with pytest.raises(Invalid) as refused:
        perform(
            "transfer", actor=village_clerk, dispute=complex_dispute, reason="", at=at(2026, 2, 13)
        )
    assert list(refused.value.fields) == ["reason"]
    assert snapshot(complex_dispute.pk) == before
