"""The task worker ends what runs too long or is interrupted, and says so where the person
looks: an import past its time limit, or still running when the worker is stopped, or whose
worker was killed, ends "failed" with the reason on its page; its task result ends FAILED,
never RUNNING for good. The worker runs here in the test's process (its signals and alarm
are real); test_worker_process.py runs the real `jiefen db_worker` in a process of its own."""

import os
import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jiefen.disputes.models import Dispute
from jiefen.ops import worker as worker_module
from jiefen.ops.worker import GuardedWorker
from jiefen.spreadsheets import importing
from jiefen.spreadsheets.models import ImportJob
from jiefen.spreadsheets.tasks import import_task
from jiefen.spreadsheets.tests.conftest import row, xlsx

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
IMPORT = "jiefen.spreadsheets.tasks.import_task"


@pytest.fixture(autouse=True)
def _queue(settings, monkeypatch):
    """The project's database queue; the worker's connection checks are left to the test's
    transaction (closing the connection would end it)."""
    import django_tasks.signals  # noqa: F401 - resets the task backends when TASKS changes

    settings.TASKS = DB_BACKEND
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )


@pytest.fixture(autouse=True)
def _signals():
    """The worker installs its handlers; the test runner gets its own back."""
    kept = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)}
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    for number, handler in kept.items():
        signal.signal(number, handler)


def work(grace: float = 5) -> GuardedWorker:
    """A worker's pass over the queue, as `jiefen db_worker --batch` makes it."""
    worker = GuardedWorker(
        grace=grace,
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    worker.configure_signals()
    worker.run()
    return worker


def ledger_of(n: int) -> bytes:
    return xlsx([row(**{"事由": f"台账第 {i + 1} 件"}) for i in range(n)])


def queued_import(user, n: int = 25) -> tuple[ImportJob, str]:
    job = ImportJob.objects.create(
        actor=user, filename="台账.xlsx", digest=f"d{n}", content=ledger_of(n)
    )
    result = import_task.enqueue(job.pk)
    return job, str(result.id)


def stall_at(monkeypatch, row_number: int, before=None) -> None:
    """Rows are written as usual up to `row_number`, which never ends (a file that stalls), in
    chunks of 10 rows whatever the time they take."""
    monkeypatch.setattr(importing.writing, "CHUNK", 10)
    monkeypatch.setattr(importing.writing, "CHUNK_SECONDS", float("inf"))
    replay = importing.writing.replay_row

    def replay_row(chunk, actor, parsed, now):
        if parsed.number == row_number:
            if before:
                before()
            time.sleep(120)
        return replay(chunk, actor, parsed, now)

    monkeypatch.setattr(importing.writing, "replay_row", replay_row)


def test_an_import_past_its_time_limit_ends_failed_with_the_reason_on_its_page(
    client, settings, monkeypatch, village_clerk
):
    # Long enough for the first chunk on a loaded machine (the limit must fall in the stall,
    # not in a write of the first chunk), far shorter than the stall.
    settings.JIEFEN_TASK_TIME_LIMITS = {IMPORT: 15}
    job, task_id = queued_import(village_clerk)
    stall_at(monkeypatch, 13)  # the second chunk (rows 12–21 of the sheet) never ends
    started = time.monotonic()

    work()

    assert time.monotonic() - started < 60
    job.refresh_from_db()
    assert job.status == ImportJob.State.FAILED and not job.content
    assert "时限" in job.failure
    # The first chunk is in, the second rolled back as a whole; the page says which is which.
    assert job.rows_done == Dispute.objects.count() == 10
    assert "第 12 行起均未导入" in job.failure
    result = DBTaskResult.objects.get(pk=task_id)
    assert result.status == "FAILED"
    assert result.exception_class_path == "jiefen.ops.worker.TaskTimedOut"
    client.force_login(village_clerk)
    page = client.get(f"/sheets/import/{job.pk}/").content.decode()
    assert "导入超过 1 分钟的时限，已中止。" in page and "中断" in job.get_status_display()
    progress = client.get(f"/sheets/import/{job.pk}/progress.json").json()
    assert progress["running"] is False and "时限" in progress["failure"]


def test_sigterm_lets_a_running_import_finish_within_the_grace(monkeypatch, village_clerk):
    job, task_id = queued_import(village_clerk, n=3)
    replay = importing.writing.replay_row
    told = []

    def replay_row(chunk, actor, parsed, now):
        if not told:
            told.append(os.kill(os.getpid(), signal.SIGTERM))
        return replay(chunk, actor, parsed, now)

    monkeypatch.setattr(importing.writing, "replay_row", replay_row)
    _other, other_id = queued_import(village_clerk, n=2)

    worker = work(grace=30)

    job.refresh_from_db()
    assert job.status == ImportJob.State.DONE and job.rows_done == 3
    assert DBTaskResult.objects.get(pk=task_id).status == "SUCCESSFUL"
    # Told to stop, it took no further task: the next import waits for the next worker.
    assert worker.running is False
    assert DBTaskResult.objects.get(pk=other_id).status == "READY"


def test_an_import_still_running_past_the_grace_after_sigterm_ends_failed(
    client, monkeypatch, village_clerk
):
    job, task_id = queued_import(village_clerk)
    stall_at(monkeypatch, 13, before=lambda: os.kill(os.getpid(), signal.SIGTERM))
    started = time.monotonic()

    work(grace=1)

    assert time.monotonic() - started < 30
    job.refresh_from_db()
    assert job.status == ImportJob.State.FAILED
    assert job.failure.startswith("导入因系统停止服务而中断。")
    assert job.rows_done == Dispute.objects.count() == 10
    result = DBTaskResult.objects.get(pk=task_id)
    assert result.status == "FAILED"
    assert result.exception_class_path == "jiefen.ops.worker.WorkerStopping"
    client.force_login(village_clerk)
    assert "导入因系统停止服务而中断" in client.get(f"/sheets/import/{job.pk}/").content.decode()


def test_an_import_that_breaks_on_an_error_ends_failed_not_checking(
    client, monkeypatch, village_clerk
):
    job, task_id = queued_import(village_clerk, n=3)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing.writing, "replay_row", broken)

    work()

    job.refresh_from_db()
    assert job.status == ImportJob.State.FAILED
    assert job.failure.startswith("导入因系统错误中断。") and "disk full" not in job.failure
    assert DBTaskResult.objects.get(pk=task_id).status == "FAILED"
    client.force_login(village_clerk)
    assert "导入因系统错误中断" in client.get(f"/sheets/import/{job.pk}/").content.decode()


def test_the_next_worker_fails_an_import_whose_worker_was_killed(client, village_clerk):
    job, task_id = queued_import(village_clerk, n=3)
    # A worker claimed it, started, and was killed (SIGKILL, a power cut) long ago.
    limit = worker_module.time_limit(IMPORT)
    DBTaskResult.objects.filter(pk=task_id).update(
        status="RUNNING",
        worker_ids=["gone-1"],
        started_at=timezone.now() - timedelta(seconds=limit + 3600),
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.State.CHECKING)
    _recent, recent_id = queued_import(village_clerk, n=2)
    DBTaskResult.objects.filter(pk=recent_id).update(
        status="RUNNING", worker_ids=["alive-2"], started_at=timezone.now()
    )

    work()

    result = DBTaskResult.objects.get(pk=task_id)
    assert result.status == "FAILED"
    assert result.exception_class_path == "jiefen.ops.worker.TaskAbandoned"
    job.refresh_from_db()
    assert job.status == ImportJob.State.FAILED
    assert job.failure.startswith("导入因系统停止服务而中断。")
    # One that started a moment ago may still be running on a live worker: left alone.
    assert DBTaskResult.objects.get(pk=recent_id).status == "RUNNING"
    client.force_login(village_clerk)
    assert "导入因系统停止服务而中断" in client.get(f"/sheets/import/{job.pk}/").content.decode()


def test_each_task_kind_has_a_time_limit_and_settings_may_change_it(settings):
    for path in (
        IMPORT,
        "jiefen.supervision.tasks.sweep_tick",
        "jiefen.supervision.tasks.deliver_task",
        "jiefen.metrics.tasks.warning_reports_task",
    ):
        assert 0 < worker_module.time_limit(path) <= 3600
    settings.JIEFEN_TASK_TIME_LIMITS = {IMPORT: 120}
    assert worker_module.time_limit(IMPORT) == 120
    assert worker_module.time_limit("elsewhere.task") == worker_module.DEFAULT_LIMIT


def test_a_sweep_past_its_time_limit_fails_and_the_sweep_health_says_so(
    client, settings, monkeypatch, world
):
    from jiefen.supervision import tasks as supervision_tasks
    from jiefen.supervision.models import SweepClock

    settings.JIEFEN_TASK_TIME_LIMITS = {"jiefen.supervision.tasks.sweep_tick": 1}
    monkeypatch.setattr(supervision_tasks, "sweep_run", lambda now: time.sleep(120))
    first = supervision_tasks.sweep_schedule(interval=300)
    assert client.get("/healthz/sweep").json()["checks"]["last_tick"]["ok"] is True

    work()

    tick = DBTaskResult.objects.get(pk=first)
    assert tick.status == "FAILED"
    assert tick.exception_class_path == "jiefen.ops.worker.TaskTimedOut"
    # The chain goes on: the next tick was enqueued before the sweep began.
    clock = SweepClock.objects.get()
    assert clock.chain != first
    assert DBTaskResult.objects.get(pk=clock.chain).status == "READY"
    response = client.get("/healthz/sweep")
    assert response.status_code == 503
    last = response.json()["checks"]["last_tick"]
    assert last["ok"] is False and last["error"] == "TaskTimedOut"
