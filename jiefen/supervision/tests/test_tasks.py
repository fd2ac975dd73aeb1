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
