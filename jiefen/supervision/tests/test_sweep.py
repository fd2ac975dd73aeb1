"""The sweep: each follow-up once, whatever the number of runs, and a clean rerun after a crash."""

from collections import Counter
from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command

from jiefen.disputes.models import Dispute, Event, Warning
from jiefen.disputes.tests.steps import perform
from jiefen.supervision import sweep
from jiefen.supervision.models import Notification, SweepHookStatus, SweepMark
from jiefen.supervision.services import order_answer, order_issue, ownership_assign
from jiefen.supervision.sms import OutboxSmsProvider
from jiefen.supervision.sweep import sweep_run
from jiefen.supervision.tests.conftest import HOOKS, at, at_county, register


def notifications():
    return Counter(Notification.objects.values_list("recipient_id", "kind", "dispute_id", "key"))


@pytest.fixture
def complex_dispute(world, village_clerk, village_head):
    """Registered on Monday 2 March 2026: to be sent up within 3 working days, by 5 March."""
    return register(world, village_clerk, when=at(2026, 3, 2), complex=True)


def test_it_notifies_yellow_then_red_once_each(complex_dispute, village_clerk, village_head):
    assert complex_dispute.due_date == date(2026, 3, 5)
    sweep_run(now=at(2026, 3, 3, 7))
    assert not Notification.objects.exists()

    counts = sweep_run(now=at(2026, 3, 4, 7))
    complex_dispute.refresh_from_db()
    assert complex_dispute.warning == Warning.YELLOW
    assert counts["yellow"] == 2
    yellow = Notification.objects.filter(kind="yellow")
    assert {n.recipient_id for n in yellow} == {village_clerk.pk, village_head.pk}
    assert {n.key for n in yellow} == {"2026-03-05"}
    sweep_run(now=at(2026, 3, 4, 7, 5))
    sweep_run(now=at(2026, 3, 5, 7))
    assert Notification.objects.count() == 2

    sweep_run(now=at(2026, 3, 6, 7))
    sweep_run(now=at(2026, 3, 6, 7, 5))
    assert Counter(Notification.objects.values_list("kind", flat=True)) == {"yellow": 2, "red": 2}
    assert max(notifications().values()) == 1


def test_it_notifies_again_for_a_new_deadline(world, complex_dispute, village_clerk, town_head):
    sweep_run(now=at(2026, 3, 6, 7))  # red for 5 March
    sent = perform("transfer", actor=village_clerk, dispute=complex_dispute, at=at(2026, 3, 6, 9))
    dispute = perform("receive", actor=town_head, dispute=sent, at=at(2026, 3, 6, 10))
    sweep_run(now=at(2026, 3, 20, 7))  # red again, for the town's deadline
    keys = set(
        Notification.objects.filter(kind="red", recipient=town_head).values_list("key", flat=True)
    )
    assert keys == {dispute.due_date.isoformat()}


def test_it_announces_a_transfer_to_the_receiving_heads_once(
    world, complex_dispute, village_clerk, town_head
):
    sweep_run(now=at(2026, 3, 2, 11))  # places the cursor; history before it is not announced
    perform("transfer", actor=village_clerk, dispute=complex_dispute, at=at(2026, 3, 3, 9))
    sweep_run(now=at(2026, 3, 3, 10))
    sweep_run(now=at(2026, 3, 3, 10, 5))
    [notification] = Notification.objects.filter(kind="transferred")
    assert notification.recipient == town_head
    assert notification.params["body"] == world.bodies["枫桥镇"].name


def test_it_tells_the_village_its_transfer_was_returned_until_it_moves_on(
    world, complex_dispute, village_clerk, town_head
):
    """A return is no silent refusal: the village that sent the dispute up hears of it (its
    head), and the notice is done once the dispute moves on."""
    from jiefen.supervision.notifications import notification_text

    sweep_run(now=at(2026, 3, 2, 11))
    sent = perform("transfer", actor=village_clerk, dispute=complex_dispute, at=at(2026, 3, 3, 9))
    back = perform("return", actor=town_head, dispute=sent, at=at(2026, 3, 3, 10))
    sweep_run(now=at(2026, 3, 3, 11))
    sweep_run(now=at(2026, 3, 3, 11, 5))
    [returned] = Notification.objects.filter(kind="returned")
    assert returned.recipient.username == "head_fengyi"
    assert complex_dispute.number in notification_text(returned)
    perform("transfer", actor=village_clerk, dispute=back, at=at(2026, 3, 4, 9))
    returned.refresh_from_db()
    assert returned.read_at is not None


def test_it_escalates_an_unanswered_order_once(
    world, complex_dispute, county_officer, village_head
):
    order = order_issue(
        actor=county_officer,
        dispute_id=complex_dispute.pk,
        requirement="请报告进展",
        days=5,
        at=at(2026, 3, 3),
    )
    assert order.due_date == date(2026, 3, 10)
    sweep_run(now=at(2026, 3, 10, 20))
    assert not Event.objects.filter(action="order_overdue").exists()
    sweep_run(now=at(2026, 3, 11, 7))
    sweep_run(now=at(2026, 3, 11, 7, 5))
    order.refresh_from_db()
    assert order.escalated_at == at(2026, 3, 11, 7)
    assert Event.objects.filter(action="order_overdue").count() == 1
    assert set(
        Notification.objects.filter(kind="order_overdue").values_list("recipient", flat=True)
    ) == {village_head.pk, county_officer.pk}


def test_it_leaves_an_answered_order_alone(complex_dispute, county_officer, village_clerk):
    order = order_issue(
        actor=county_officer,
        dispute_id=complex_dispute.pk,
        requirement="请报告",
        days=1,
        at=at(2026, 3, 3),
    )
    order_answer(actor=village_clerk, order_id=order.pk, report="已办", at=at(2026, 3, 4))
    sweep_run(now=at(2026, 3, 20, 7))
    assert not Notification.objects.filter(kind="order_overdue").exists()


def test_it_flags_a_major_county_dispute_without_a_leader_once(
    world, village_clerk, town_head, county_officer, county_leader
):
    major = at_county(world, village_clerk, town_head, county_officer, risk="major")
    led = at_county(world, village_clerk, town_head, county_officer, people_involved=12)
    ordinary = at_county(world, village_clerk, town_head, county_officer)
    ownership_assign(
        actor=county_officer,
        dispute_id=led.pk,
        leader=county_leader,
        plan="包案化解",
        target_date=date(2026, 4, 30),
        at=at(2026, 3, 2, 16),
    )
    sweep_run(now=at(2026, 3, 3, 7))
    sweep_run(now=at(2026, 3, 3, 7, 5))
    [flag] = Notification.objects.filter(kind="leader_missing")
    assert flag.dispute_id == major.pk
    assert flag.recipient == county_officer  # the head of the county joint meeting
    assert flag.params["due"] == major.due_date.isoformat()  # by the next joint meeting
    assert not Notification.objects.filter(kind="leader_missing", dispute=ordinary).exists()


def test_it_reruns_cleanly_after_being_interrupted(monkeypatch, world, village_clerk, village_head):
    disputes = [register(world, village_clerk, when=at(2026, 3, 2), complex=True) for _ in range(4)]
    original = sweep.notify_bulk
    calls = []

    def crashing(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt("killed")  # not an Exception: nothing may swallow it
        return original(**kwargs)

    monkeypatch.setattr(sweep, "notify_bulk", crashing)
    with pytest.raises(KeyboardInterrupt):
        sweep_run(now=at(2026, 3, 4, 7), chunk=1)
    assert SweepMark.objects.count() == 2  # two chunks done; the third rolled back whole
    monkeypatch.setattr(sweep, "notify_bulk", original)
    sweep_run(now=at(2026, 3, 4, 7), chunk=1)
    sweep_run(now=at(2026, 3, 4, 7), chunk=1)
    assert SweepMark.objects.count() == 4
    seen = notifications()
    assert max(seen.values()) == 1
    assert {d for _r, _k, d, _key in seen} == {d.pk for d in disputes}
    assert len(seen) == 8  # owner and head of each


def test_it_sends_mail_and_text_messages_once(complex_dispute, village_clerk):
    village_clerk.email = "clerk@example.org"
    village_clerk.phone = "13900001111"
    village_clerk.save()
    sweep_run(now=at(2026, 3, 4, 7))
    sweep_run(now=at(2026, 3, 6, 7))
    sweep_run(now=at(2026, 3, 6, 8))
    assert sorted(m.subject for m in mail.outbox) == ["【解纷】超期", "【解纷】黄色预警"]
    assert [phone for phone, _text in OutboxSmsProvider.outbox] == ["13900001111"]  # red only
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_it_retries_a_failed_send_on_the_next_run(monkeypatch, complex_dispute, village_clerk):
    village_clerk.email = "clerk@example.org"
    village_clerk.save()
    from jiefen.supervision import notifications as module

    def down(*args, **kwargs):
        raise OSError("mail server down")

    working = module.mail.send_mail
    monkeypatch.setattr(module.mail, "send_mail", down)
    sweep_run(now=at(2026, 3, 4, 7))
    failed = Notification.objects.get(recipient=village_clerk)
    assert failed.sent_at is None and failed.send_attempts == 1
    monkeypatch.setattr(module.mail, "send_mail", working)
    sweep_run(now=at(2026, 3, 4, 8))
    assert len(mail.outbox) == 1


def test_every_hook_is_registered_when_the_apps_load():
    """Each duty is a direct call registered by its app, never looked up by name and skipped
    when the import fails."""
    assert sweep.hooks_missing() == []
    from jiefen.portal import services as portal

    assert sweep._hooks["escalations_overdue"] is portal.escalations_overdue
    assert sweep._hooks["reviews_overdue"] is portal.reviews_overdue


def test_it_calls_the_registered_hooks(monkeypatch, db):
    monkeypatch.setattr(sweep, "HOOKS", HOOKS)
    seen = []
    monkeypatch.setitem(
        sweep._hooks, "screening_reminders", lambda *, today: seen.append(today) or [1, 2]
    )
    counts = sweep_run(now=at(2026, 3, 4, 7))
    assert seen == [date(2026, 3, 4)]
    assert counts["screening_reminders"] == 2
    assert counts["escalations_overdue"] == 0  # the portal's own
    assert counts["hook_failures"] == 0


def test_a_missing_hook_is_loud(monkeypatch, client, db, caplog):
    monkeypatch.setattr(sweep, "HOOKS", HOOKS)
    monkeypatch.delitem(sweep._hooks, "reviews_overdue")
    counts = sweep_run(now=at(2026, 3, 4, 7))
    assert counts["reviews_overdue"] == -1 and counts["hook_failures"] == 1
    assert "sweep hook reviews_overdue is not registered" in caplog.text
    response = client.get("/healthz/sweep")
    assert response.status_code == 503
    failing = response.json()["checks"]["sweep_hooks"]["failing"]
    assert failing["reviews_overdue"]["error"] == "NotRegistered"


def test_a_failing_hook_does_not_stop_the_sweep_and_is_counted(
    monkeypatch, complex_dispute, client, caplog
):
    monkeypatch.setattr(sweep, "HOOKS", HOOKS)

    def broken(*, today):
        raise RuntimeError("not ready")

    monkeypatch.setitem(sweep._hooks, "screening_reminders", broken)
    counts = sweep_run(now=at(2026, 3, 4, 7))
    assert counts["screening_reminders"] == -1 and counts["hook_failures"] == 1
    assert counts["sent"] >= 1
    assert "sweep hook screening_reminders failed" in caplog.text
    status = SweepHookStatus.objects.get(name="screening_reminders")
    assert (status.failures, status.last_error) == (1, "RuntimeError")
    body = client.get("/healthz/sweep")
    assert body.status_code == 503
    assert body.json()["checks"]["sweep_hooks"]["failing_count"] == 1
    monkeypatch.setitem(sweep._hooks, "screening_reminders", lambda *, today: 0)
    sweep_run(now=at(2026, 3, 4, 8))
    assert client.get("/healthz/sweep").status_code == 200


def test_the_command_sweeps_once(capsys, complex_dispute):
    call_command("sweep")
    out = capsys.readouterr().out
    assert '"red"' in out and '"yellow"' in out
    complex_dispute.refresh_from_db()
    assert Dispute.objects.get(pk=complex_dispute.pk).warning == Warning.RED  # long past due


def test_it_refreshes_the_planners_statistics_after_a_large_batch(db, django_assert_num_queries):
    from django.db import connection

    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 0):
        sweep.analyze_if_grown(sweep.ANALYZE_AFTER)
    with django_assert_num_queries(0):
        sweep.analyze_if_grown(sweep.ANALYZE_AFTER - 1)


def test_a_step_rolled_back_to_break_a_deadlock_runs_again(db, monkeypatch):
    """PostgreSQL breaks a deadlock between a sweep batch and a person's transaction by rolling
    the batch back; the step runs again and the sweep goes on (seen in the county's journey)."""
    from django.db import OperationalError

    from jiefen.supervision import sweep

    class Deadlock(Exception):
        sqlstate = "40P01"

    calls = []
    real = sweep.arrivals_notify

    def arrivals_once_deadlocked(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("deadlock detected") from Deadlock()
        return real(**kwargs)

    monkeypatch.setattr(sweep, "arrivals_notify", arrivals_once_deadlocked)
    counts = sweep.sweep_run()
    assert len(calls) == 2 and "arrivals" in counts


def test_a_step_failing_otherwise_is_not_run_again(db, monkeypatch):
    from django.db import OperationalError

    from jiefen.supervision import sweep

    calls = []

    def broken(**kwargs):
        calls.append(kwargs)
        raise OperationalError("no such table")

    monkeypatch.setattr(sweep, "arrivals_notify", broken)
    with pytest.raises(OperationalError):
        sweep.sweep_run()
    assert len(calls) == 1


def test_it_seals_the_audit_records_waiting_for_the_chain(complex_dispute):
    """A writer whose process died between its commit and its seal leaves records outside the
    chain; the sweep seals them (and those of its own writes)."""
    from jiefen.audit import chain
    from jiefen.audit.models import Record

    assert Record.objects.filter(seq__isnull=True).exists()
    counts = sweep_run(now=at(2026, 3, 6))
    assert counts["audit_sealed"] > 0
    assert not Record.objects.filter(seq__isnull=True).exists()
    assert chain.verify().ok
