"""The judicial confirmation window: its arithmetic, the staff's records, the reminders."""

from datetime import date

import pytest
from django.urls import reverse

from jiefen.disputes.lifecycle import Invalid
from jiefen.disputes.models import Agreement, Event
from jiefen.documents import services
from jiefen.documents.models import Confirmation, ConfirmationReminder
from jiefen.documents.tests.conftest import SIGNED, at
from jiefen.supervision.models import Notification


@pytest.mark.parametrize(
    ("signed", "last"),
    [
        (date(2026, 3, 9), date(2026, 4, 8)),
        (date(2026, 1, 31), date(2026, 3, 2)),  # February has 28 days
        (date(2028, 1, 31), date(2028, 3, 1)),  # a leap year
        (date(2026, 12, 15), date(2027, 1, 14)),  # across the year end
    ],
)
def test_the_last_day_is_30_calendar_days_after_the_agreement(signed, last):
    assert services.confirmation_last_day(signed) == last


def reminders(day):
    return services.confirmation_reminders(today=day, at=at(day.year, day.month, day.day, 7))


def test_it_reminds_7_and_2_days_before_the_last_day_once_each(complete, town_head):
    last = date(2026, 4, 8)
    assert reminders(date(2026, 3, 31)) == 0  # 8 days left
    assert reminders(date(2026, 4, 1)) == 1  # 7 days left
    assert reminders(date(2026, 4, 1)) == 0  # the sweep runs again
    assert reminders(date(2026, 4, 3)) == 0  # still the 7-day stage: sent already
    assert reminders(date(2026, 4, 6)) == 1  # 2 days left
    assert reminders(date(2026, 4, 7)) == 0
    assert reminders(date(2026, 4, 9)) == 0  # the window has closed
    sent = Notification.objects.filter(kind=services.REMINDER_KIND, dispute=complete)
    assert sorted(sent.values_list("key", flat=True).distinct()) == [
        f"{last.isoformat()}:2",
        f"{last.isoformat()}:7",
    ]
    assert set(sent.values_list("recipient_id", flat=True)) == {town_head.pk}
    assert ConfirmationReminder.objects.count() == 2


def test_the_reminder_reads_as_a_sentence(complete, town_head):
    from jiefen.supervision.notifications import notification_text

    reminders(date(2026, 4, 1))
    note = Notification.objects.get(kind=services.REMINDER_KIND)
    text = notification_text(note)
    assert complete.number in text and "2026-04-08" in text and "7" in text


def test_a_sweep_missing_the_day_still_reminds_inside_the_stage(complete):
    assert reminders(date(2026, 4, 4)) == 1  # 4 days left: the 7-day reminder
    assert reminders(date(2026, 4, 8)) == 1  # the last day: the 2-day reminder


def test_no_reminder_once_the_parties_applied(complete, town_head):
    services.confirmation_apply(
        actor=town_head,
        dispute_id=complete.pk,
        applied_on=date(2026, 3, 20),
        court="诸暨市人民法院",
        at=at(2026, 3, 20),
    )
    assert reminders(date(2026, 4, 1)) == 0
    assert not Notification.objects.filter(kind=services.REMINDER_KIND).exists()


def test_the_sweep_calls_the_reminders(complete, monkeypatch):
    from jiefen.supervision.sweep import hooks_run

    counts = hooks_run(today=date(2026, 4, 1), now=at(2026, 4, 1, 7))
    assert counts["confirmation_reminders"] == 1


def test_application_and_result_are_recorded_as_events(complete, town_head):
    services.confirmation_apply(
        actor=town_head,
        dispute_id=complete.pk,
        applied_on=date(2026, 3, 20),
        court="诸暨市人民法院",
        at=at(2026, 3, 20),
    )
    services.confirmation_result(
        actor=town_head,
        dispute_id=complete.pk,
        result="confirmed",
        result_on=date(2026, 3, 27),
        at=at(2026, 3, 27),
    )
    row = Confirmation.objects.get(agreement=Agreement.objects.get(dispute=complete))
    assert (row.applied_on, row.court, row.result) == (
        date(2026, 3, 20),
        "诸暨市人民法院",
        "confirmed",
    )
    events = list(
        Event.objects.filter(dispute=complete, action__startswith="confirmation").order_by("id")
    )
    assert [e.action for e in events] == ["confirmation_apply", "confirmation_result"]
    assert events[0].params["last_day"] == "2026-04-08" and events[0].params["in_time"] is True
    assert events[1].params["result"] == "confirmed"
    from jiefen.disputes.lifecycle import event_label

    assert event_label("confirmation_apply") == "申请司法确认"


def test_a_result_before_an_application_is_refused(complete, town_head):
    with pytest.raises(Invalid, match="请先登记司法确认申请"):
        services.confirmation_result(
            actor=town_head,
            dispute_id=complete.pk,
            result="confirmed",
            result_on=date(2026, 3, 27),
            at=at(2026, 3, 27),
        )
    assert not Event.objects.filter(action__startswith="confirmation").exists()


def test_an_application_before_the_agreement_is_refused(complete, town_head):
    with pytest.raises(Invalid):
        services.confirmation_apply(
            actor=town_head,
            dispute_id=complete.pk,
            applied_on=date(2026, 3, 1),
            court="诸暨市人民法院",
            at=at(2026, 3, 20),
        )
    assert not Confirmation.objects.exists()


def test_the_panel_shows_days_left_and_staff_record_through_the_form(
    client, complete, town_head, settings
):
    client.force_login(town_head)
    page = reverse("disputes:detail", args=[complete.pk])
    html = client.get(page).content.decode()
    assert "2026-04-08" in html
    response = client.post(
        reverse("documents:confirmation", args=[complete.pk, "apply"]),
        {"applied_on": SIGNED.isoformat(), "court": "诸暨市人民法院"},
    )
    assert response.status_code == 302
    assert Confirmation.objects.get().court == "诸暨市人民法院"


def test_out_of_jurisdiction_cannot_record(client, complete, other_village_clerk):
    client.force_login(other_village_clerk)
    response = client.post(
        reverse("documents:confirmation", args=[complete.pk, "apply"]),
        {"applied_on": SIGNED.isoformat(), "court": "诸暨市人民法院"},
    )
    assert response.status_code == 404
    assert not Confirmation.objects.exists()
