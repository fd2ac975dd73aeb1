"""Background work: the self-renewing sweep chain and delivery after commit."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_tasks import default_task_backend
from django_tasks.base import TaskContext

from jiefen.supervision.models import Kind, SweepClock
from jiefen.supervision.notifications import notify
from jiefen.supervision.tasks import CannotSchedule, sweep_schedule, sweep_tick
from jiefen.supervision.tests.conftest import register

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def run(result):
    """Run an enqueued tick as a worker would."""
    return sweep_tick.call(TaskContext(task_result=result))


@override_settings(TASKS=DUMMY)
def test_each_tick_enqueues_the_next_and_an_old_chain_dies(db):
    first_id = sweep_schedule(interval=120)
    [first] = default_task_backend.results
    assert first.id == first_id and first.task.run_after is None
    counts = run(first)
    assert "red" in counts
    [_first, second] = default_task_backend.results
    assert second.task.run_after is not None
    assert (
        timedelta(seconds=119)
        < second.task.run_after - second.enqueued_at
        <= timedelta(seconds=121)
    )
    clock = SweepClock.objects.get()
    assert clock.chain == second.id and clock.last_finished_at is not None

    sweep_schedule(interval=120)  # scheduling again replaces the chain
    assert run(second) == {"superseded": second.id}
    assert len(default_task_backend.results) == 3  # the old link enqueued nothing


def test_scheduling_needs_a_backend_that_can_wait(db):
    with pytest.raises(CannotSchedule):
        sweep_schedule()
    with pytest.raises(CommandError):
        call_command("sweep", "--schedule")
    assert not SweepClock.objects.exists()


@override_settings(TASKS=DUMMY)
def test_the_command_schedules(db, capsys):
    call_command("sweep", "--schedule", "--interval", "60")
    assert SweepClock.objects.get().interval == 60
    assert "60" in capsys.readouterr().out


def test_delivery_runs_as_a_task_after_commit(
    world, village_clerk, django_capture_on_commit_callbacks
):
    """With the immediate backend (the default without TASKS) the task runs at commit."""
    village_clerk.email = "clerk@example.org"
    village_clerk.save()
    dispute = register(world, village_clerk)
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[village_clerk],
            kind=Kind.URGE,
            dispute=dispute,
            key="1",
            params={"actor": "甲", "note": "催"},
        )
        assert mail.outbox == []
    assert len(mail.outbox) == 1


@override_settings(TASKS=DUMMY)
def test_delivery_is_enqueued_for_a_worker(
    world, village_clerk, django_capture_on_commit_callbacks
):
    dispute = register(world, village_clerk)
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[village_clerk],
            kind=Kind.URGE,
            dispute=dispute,
            key="1",
            params={"actor": "甲", "note": "催"},
        )
    assert [r.task.name for r in default_task_backend.results] == ["deliver_task"]


def test_a_transfer_is_announced_at_commit_without_waiting_for_the_sweep(
    world, village_clerk, village_head, town_head, django_capture_on_commit_callbacks
):
    """The arrival notice used to wait for the next sweep (up to 5 minutes): now the move's
    commit runs the arrivals step as a task. No sweep has run, not even to place its cursor."""
    from jiefen.disputes.tests.steps import perform
    from jiefen.supervision.models import Notification, SweepCursor
    from jiefen.supervision.tests.conftest import at

    town_head.email = "head@example.org"
    town_head.save()
    dispute = register(world, village_clerk, when=at(2026, 3, 2), complex=True)
    assert not SweepCursor.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        sent = perform("transfer", actor=village_clerk, dispute=dispute, at=at(2026, 3, 3, 9))
        assert not Notification.objects.filter(kind=Kind.TRANSFERRED).exists()
    [arrival] = Notification.objects.filter(kind=Kind.TRANSFERRED)
    assert arrival.recipient == town_head and arrival.sent_at is not None
    assert [m.to for m in mail.outbox] == [["head@example.org"]]
    # The return tells the village's head the same way.
    with django_capture_on_commit_callbacks(execute=True):
        perform("return", actor=town_head, dispute=sent, at=at(2026, 3, 3, 10))
    assert Notification.objects.get(kind=Kind.RETURNED).recipient == village_head
    # The sweep, still the fallback, tells nobody twice.
    from jiefen.supervision.sweep import sweep_run

    sweep_run(now=at(2026, 3, 3, 11))
    assert Notification.objects.filter(kind__in=[Kind.TRANSFERRED, Kind.RETURNED]).count() == 2


@override_settings(TASKS=DUMMY)
def test_moves_in_one_transaction_enqueue_the_arrivals_step_once(
    world, village_clerk, town_head, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from jiefen.disputes.tests.steps import perform
    from jiefen.supervision.tests.conftest import at

    first = register(world, village_clerk, when=at(2026, 3, 2), complex=True)
    second = register(world, village_clerk, when=at(2026, 3, 2), complex=True)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            perform("transfer", actor=village_clerk, dispute=first, at=at(2026, 3, 3, 9))
            perform("transfer", actor=village_clerk, dispute=second, at=at(2026, 3, 3, 9))
        perform(
            "accept",
            actor=village_clerk,
            dispute=register(world, village_clerk),
            at=at(2026, 3, 3, 9),
        )
    assert [r.task.name for r in default_task_backend.results] == ["arrivals_task"]
