"""Proposing times, the parties' replies, the agreement, and every refusal saving nothing."""

import pytest

from jiefen.appointments.models import Appointment, Reply, Status
from jiefen.appointments.services import (
    AGREE,
    PROPOSE,
    REPLY,
    REPLY_KIND,
    appointment_cancel,
    appointment_confirm,
    appointment_reply,
)
from jiefen.appointments.tests.conftest import NOW, at, propose
from jiefen.disputes.models import Dispute, Event
from jiefen.disputes.models import Status as DisputeStatus
from jiefen.lib.errors import Forbidden, Invalid, NotFound
from jiefen.supervision.models import Notification


def test_the_mediator_proposes_two_times_as_one_event(dispute, village_clerk):
    appointment = propose(village_clerk, dispute, at(6, 9), at(5, 14))
    assert appointment.status == Status.OPEN
    assert [s.starts_at for s in appointment.slots.all()] == [at(5, 14), at(6, 9)]
    event = Event.objects.get(dispute=dispute, action=PROPOSE)
    assert event.params["appointment"] == appointment.pk
    assert len(event.params["times"]) == 2
    assert appointment.room_secret == ""


def test_both_parties_accepting_the_same_time_agree_it(dispute, village_clerk, wang_wu, li_si):
    appointment = propose(village_clerk, dispute, at(5, 14), at(6, 9))
    _first, second = appointment.slots.all()
    appointment_reply(
        dispute=dispute, party=wang_wu, appointment_id=appointment.pk, slot_id=second.pk, at=NOW
    )
    appointment.refresh_from_db()
    assert appointment.status == Status.OPEN
    appointment_reply(
        dispute=dispute, party=li_si, appointment_id=appointment.pk, slot_id=second.pk, at=NOW
    )
    appointment.refresh_from_db()
    assert appointment.status == Status.AGREED
    assert appointment.chosen == second and appointment.starts_at == at(6, 9)
    assert Event.objects.filter(dispute=dispute, action=REPLY).count() == 2
    agreed = Event.objects.get(dispute=dispute, action=AGREE)
    assert agreed.params["slot"] == second.pk
    # The holding body's staff hear of each reply.
    assert Notification.objects.filter(kind=REPLY_KIND, recipient=village_clerk).count() == 2


def test_different_times_do_not_agree_and_a_changed_answer_counts(
    dispute, village_clerk, wang_wu, li_si
):
    appointment = propose(village_clerk, dispute, at(5, 14), at(6, 9))
    first, second = appointment.slots.all()
    appointment_reply(
        dispute=dispute, party=wang_wu, appointment_id=appointment.pk, slot_id=first.pk, at=NOW
    )
    appointment_reply(
        dispute=dispute, party=li_si, appointment_id=appointment.pk, slot_id=second.pk, at=NOW
    )
    appointment.refresh_from_db()
    assert appointment.status == Status.OPEN
    appointment_reply(
        dispute=dispute, party=wang_wu, appointment_id=appointment.pk, slot_id=second.pk, at=NOW
    )
    appointment.refresh_from_db()
    assert appointment.status == Status.AGREED


def test_asking_for_another_time_keeps_the_reason_and_a_new_proposal_replaces(
    dispute, village_clerk, wang_wu
):
    appointment = propose(village_clerk, dispute, at(5, 14))
    appointment_reply(
        dispute=dispute, party=wang_wu, appointment_id=appointment.pk, slot_id=None,
        note="那天要上班，周六上午可以", at=NOW,
    )  # fmt: skip
    assert Reply.objects.get().note == "那天要上班，周六上午可以"
    event = Event.objects.get(dispute=dispute, action=REPLY)
    assert "周六" not in str(event.params) and event.reason == ""
    again = propose(village_clerk, dispute, at(7, 9))
    appointment.refresh_from_db()
    assert appointment.status == Status.REPLACED and again.status == Status.OPEN
    with pytest.raises(Invalid, match="重新提出"):
        appointment_reply(
            dispute=dispute,
            party=wang_wu,
            appointment_id=appointment.pk,
            slot_id=None,
            note="x",
            at=NOW,
        )


def test_asking_for_another_time_needs_a_reason(dispute, village_clerk, wang_wu):
    appointment = propose(village_clerk, dispute, at(5, 14))
    with pytest.raises(Invalid) as refused:
        appointment_reply(
            dispute=dispute, party=wang_wu, appointment_id=appointment.pk, slot_id=None, at=NOW
        )
    assert "note" in refused.value.fields
    assert not Reply.objects.exists()


def test_a_reply_from_no_proved_party_or_another_disputes_party_is_refused(
    dispute, village_clerk, world
):
    from jiefen.disputes.models import Category
    from jiefen.disputes.public import PublicFiling, dispute_file
    from jiefen.disputes.services import PartyInput

    other, _code = dispute_file(
        data=PublicFiling(
            region=world.regions["枫一社区"],
            category=Category.objects.get(key="labour"),
            title="邻里纠纷",
            description="漏水。",
            parties=[PartyInput(side="applicant", name="张三", phone="13900003333")],
        ),
        at=NOW,
    )
    zhang_san = other.parties.get()
    appointment = propose(village_clerk, dispute, at(5, 14))
    slot = appointment.slots.get()
    for stranger in (None, zhang_san):
        with pytest.raises(Forbidden):
            appointment_reply(
                dispute=dispute, party=stranger, appointment_id=appointment.pk,
                slot_id=slot.pk, at=NOW,
            )  # fmt: skip
    with pytest.raises(NotFound):  # 张三's own dispute does not hold this appointment
        appointment_reply(
            dispute=other, party=zhang_san, appointment_id=appointment.pk, slot_id=slot.pk, at=NOW
        )
    assert not Reply.objects.exists()


def test_a_reply_to_a_cancelled_or_past_proposal_is_refused(dispute, village_clerk, wang_wu):
    appointment = propose(village_clerk, dispute, at(5, 14))
    slot = appointment.slots.get()
    with pytest.raises(Invalid, match="过去"):
        appointment_reply(
            dispute=dispute,
            party=wang_wu,
            appointment_id=appointment.pk,
            slot_id=slot.pk,
            at=at(5, 15),
        )
    appointment_cancel(actor=village_clerk, appointment_id=appointment.pk, at=NOW)
    with pytest.raises(Invalid, match="取消"):
        appointment_reply(
            dispute=dispute, party=wang_wu, appointment_id=appointment.pk, slot_id=slot.pk, at=NOW
        )
    assert not Reply.objects.exists()


def test_a_proposal_in_the_past_or_without_a_place_saves_nothing(dispute, village_clerk):
    from jiefen.appointments.services import SlotInput, appointment_propose

    with pytest.raises(Invalid) as refused:
        appointment_propose(
            actor=village_clerk, dispute_id=dispute.pk,
            slots=[SlotInput(starts_at=at(2, 9), place="调解室"), SlotInput(starts_at=at(5, 9))],
            at=NOW,
        )  # fmt: skip
    assert set(refused.value.fields) == {"slot0", "slot1"}
    assert not Appointment.objects.exists()
    assert not Event.objects.filter(action=PROPOSE).exists()


def test_nothing_is_arranged_on_a_closed_dispute(dispute, village_clerk, wang_wu):
    appointment = propose(village_clerk, dispute, at(5, 14))
    Dispute.objects.filter(pk=dispute.pk).update(status=DisputeStatus.CLOSED)
    dispute.refresh_from_db()
    with pytest.raises(Invalid, match="办结"):
        propose(village_clerk, dispute, at(6, 14))
    with pytest.raises(Invalid, match="办结"):
        appointment_reply(
            dispute=dispute, party=wang_wu, appointment_id=appointment.pk,
            slot_id=appointment.slots.get().pk, at=NOW,
        )  # fmt: skip
    assert Appointment.objects.count() == 1 and not Reply.objects.exists()


def test_staff_outside_the_holder_or_the_jurisdiction_cannot_arrange(
    dispute, village_clerk, other_village_clerk, town_head
):
    with pytest.raises(NotFound):
        propose(other_village_clerk, dispute, at(5, 14))
    with pytest.raises(Forbidden):
        propose(town_head, dispute, at(5, 14))
    appointment = propose(village_clerk, dispute, at(5, 14))
    with pytest.raises(NotFound):
        appointment_cancel(actor=other_village_clerk, appointment_id=appointment.pk, at=NOW)


def test_the_mediator_confirms_a_time_agreed_by_phone(dispute, village_clerk):
    appointment = propose(village_clerk, dispute, at(5, 14), at(6, 9))
    slot = appointment.slots.last()
    appointment_confirm(actor=village_clerk, appointment_id=appointment.pk, slot_id=slot.pk, at=NOW)
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED and appointment.starts_at == at(6, 9)
    with pytest.raises(Invalid):
        appointment_confirm(
            actor=village_clerk, appointment_id=appointment.pk, slot_id=slot.pk, at=NOW
        )
