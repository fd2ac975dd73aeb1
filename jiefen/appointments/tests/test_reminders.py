"""Texts to each party the calendar day before and two hours before a settled session, once
each, from the sweep's hook; none for a cancelled round."""

from datetime import timedelta

from jiefen.appointments.services import (
    appointment_cancel,
    appointment_reminders,
    appointment_reply,
)
from jiefen.appointments.tests.conftest import NOW, at, propose
from jiefen.supervision.models import SmsMessage
from jiefen.supervision.sweep import HOOKS, hooks_missing


def _agreed(clerk, dispute, wang_wu, li_si, when):
    appointment = propose(clerk, dispute, when)
    slot = appointment.slots.get()
    for party in (wang_wu, li_si):
        appointment_reply(
            dispute=dispute, party=party, appointment_id=appointment.pk, slot_id=slot.pk, at=NOW
        )
    return appointment


def test_the_hook_is_registered():
    assert "appointment_reminders" in HOOKS
    assert "appointment_reminders" not in hooks_missing()


def test_each_party_is_texted_the_day_before_and_two_hours_before_once_each(
    dispute, village_clerk, wang_wu, li_si, outbox
):
    appointment = _agreed(village_clerk, dispute, wang_wu, li_si, at(5, 14))
    # Two days before: nothing yet.
    assert appointment_reminders(today=at(3).date(), at=at(3, 20)) == 0
    # The calendar day before (a Wednesday; working days play no part).
    assert appointment_reminders(today=at(4).date(), at=at(4, 8)) == 2
    assert appointment_reminders(today=at(4).date(), at=at(4, 21)) == 0
    phones = sorted(phone for phone, _text in outbox)
    assert phones == ["13900001111", "13900002222"]
    text = outbox[0][1]
    assert dispute.number in text and "2026-03-05 14:00" in text and "枫一社区调解室" in text
    # Two hours before, and not again.
    assert appointment_reminders(today=at(5).date(), at=at(5, 11, 59)) == 0
    assert appointment_reminders(today=at(5).date(), at=at(5, 12, 30)) == 2
    assert appointment_reminders(today=at(5).date(), at=at(5, 13, 30)) == 0
    assert appointment_reminders(today=at(5).date(), at=at(5, 14, 30)) == 0
    kinds = sorted(SmsMessage.objects.values_list("kind", flat=True))
    assert kinds == ["appointment_day_before"] * 2 + ["appointment_two_hours"] * 2
    assert SmsMessage.objects.filter(status="sent").count() == 4
    assert {m.once_key for m in SmsMessage.objects.all()} == {
        f"appointment:{appointment.pk}:{stage}:{party.pk}"
        for stage in ("day-before", "two-hours")
        for party in (wang_wu, li_si)
    }


def test_texts_carry_no_other_phone_and_no_room_link(
    dispute, village_clerk, wang_wu, li_si, outbox, settings
):
    settings.JIEFEN_JITSI_URL = "https://meet.example.org"
    appointment = propose(village_clerk, dispute, at(5, 14), remote=True)
    slot = appointment.slots.get()
    for party in (wang_wu, li_si):
        appointment_reply(
            dispute=dispute, party=party, appointment_id=appointment.pk, slot_id=slot.pk, at=NOW
        )
    appointment.refresh_from_db()
    assert appointment_reminders(today=at(4).date(), at=at(4, 9)) == 2
    for _phone, text in outbox:
        assert appointment.room_secret not in text and "meet.example.org" not in text
        assert "1390000" not in text
    assert SmsMessage.objects.filter(status="refused").count() == 0


def test_a_cancelled_session_is_not_reminded(dispute, village_clerk, wang_wu, li_si, outbox):
    appointment = _agreed(village_clerk, dispute, wang_wu, li_si, at(5, 14))
    appointment_cancel(actor=village_clerk, appointment_id=appointment.pk, at=NOW)
    assert appointment_reminders(today=at(4).date(), at=at(4, 8)) == 0
    assert appointment_reminders(today=at(5).date(), at=at(5, 12, 30)) == 0
    assert outbox == []


def test_a_session_agreed_within_two_hours_gets_only_the_late_reminder(
    dispute, village_clerk, wang_wu, li_si, outbox
):
    _agreed(village_clerk, dispute, wang_wu, li_si, at(5, 14))
    assert appointment_reminders(today=at(5).date(), at=at(5, 13)) == 2
    assert appointment_reminders(today=at(5).date(), at=at(5, 13) + timedelta(minutes=5)) == 0
    assert SmsMessage.objects.filter(kind="appointment_day_before").count() == 0
