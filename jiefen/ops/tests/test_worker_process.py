"""The real `jiefen db_worker`, in a process of its own, told to stop (SIGTERM) while a task
runs: it lets the task finish within its grace, or stops it and records it FAILED — never
leaves it RUNNING — and exits. The queue is a SQLite file of its own."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

TABLE = "django_tasks_database_dbtaskresult"


@pytest.fixture
def queue(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jiefen.settings",
        "JIEFEN_VAR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
    }
    jiefen = [sys.executable, "-m", "jiefen"]
    subprocess.run(
        [*jiefen, "migrate", "django_tasks_database", "-v0"], env=env, check=True, timeout=120
    )

    class Queue:
        def enqueue_nap(self, seconds: float) -> str:
            done = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import django; django.setup(); from jiefen.ops.tests.tasks import nap; "
                    f"print(nap.enqueue({seconds}).id)",
                ],
                env=env,
                check=True,
                capture_output=True,
                text=True,
                timeout=120,
            )
            return done.stdout.strip().splitlines()[-1]

        def worker(self, grace: float) -> subprocess.Popen:
            return subprocess.Popen(
                [
                    *jiefen,
                    "db_worker",
                    "--no-reload",
                    "--no-startup-delay",
                    "--interval",
                    "0.1",
                    "--grace",
                    str(grace),
                    "--worker-id",
                    "test-process",
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )

        def state(self, task_id: str) -> tuple[str, str]:
            with sqlite3.connect(tmp_path / "queue.sqlite3", timeout=10) as db:
                row = (
                    db.execute(
                        f"SELECT status, exception_class_path FROM {TABLE} WHERE id = ?",
                        (task_id.replace("-", ""),),
                    ).fetchone()
                    or db.execute(
                        f"SELECT status, exception_class_path FROM {TABLE} WHERE id = ?", (task_id,)
                    ).fetchone()
                )
            return row

        def wait_for(self, task_id: str, status: str, timeout: float = 60) -> None:
            end = time.monotonic() + timeout
            while self.state(task_id)[0] != status:
                assert time.monotonic() < end, f"task still {self.state(task_id)[0]}"
                time.sleep(0.1)

    return Queue()


def stop(process: subprocess.Popen, timeout: float) -> tuple[int, float, str]:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"the worker ignored SIGTERM for {timeout} s:\n{output}")
    return process.returncode, time.monotonic() - started, output


def test_on_sigterm_a_task_that_will_not_finish_is_stopped_and_failed(queue):
    task_id = queue.enqueue_nap(600)
    worker = queue.worker(grace=1)
    queue.wait_for(task_id, "RUNNING")

    code, took, output = stop(worker, timeout=30)

    assert queue.state(task_id) == ("FAILED", "jiefen.ops.worker.WorkerStopping"), output
    assert took < 20, output
    assert code == 0, output


def test_on_sigterm_a_task_that_finishes_within_the_grace_succeeds(queue):
    task_id = queue.enqueue_nap(1.5)
    worker = queue.worker(grace=30)
    queue.wait_for(task_id, "RUNNING")

    code, _took, output = stop(worker, timeout=40)

    assert queue.state(task_id)[0] == "SUCCESSFUL", output
    assert code == 0, output
