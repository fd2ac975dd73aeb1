"""What the journey browser tests share: a server and a sweep that run the way `make run` runs
them, against the test database, while a person walks a day's work in Chromium.

- `journey_server`: the site served from a thread with database connections of its own (as a
  web process has), not the test's shared in-memory connection. On SQLite the test database is
  first copied to a file, as `shared_database` does for the concurrency tests: an in-memory
  database's shared cache fails at once on a lock instead of waiting, which is not how the
  product runs.
- The sweep runs over and over in another thread with its own connection for the whole walk,
  so every page the person opens and every form they send meets it. The fixture fails the test
  when a sweep raised or none finished during the walk.

Use with `@pytest.mark.django_db(transaction=True)`, after the fixtures that build the world
(they are copied with the database).
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import DEFAULT_DB_ALIAS, connection, connections

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@dataclass
class Sweeps:
    """The sweep running in the background: how many passes finished, what any raised."""

    runs: int = 0
    started: int = 0
    errors: list[BaseException] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    passed: threading.Condition = field(default_factory=threading.Condition)

    def wait_pass(self, timeout: float = 30) -> None:
        """Until a pass that started after this call has finished: what was written before
        the call has been swept (as the worker's next tick would)."""
        with self.passed:
            target = self.started + 1
            assert self.passed.wait_for(lambda: self.runs >= target or self.errors, timeout)
        if self.errors:
            raise self.errors[0]

    def loop(self) -> None:
        from django.utils import timezone

        from jiefen.supervision.sweep import sweep_run

        try:
            while not self.stop.is_set():
                with self.passed:
                    self.started += 1
                try:
                    sweep_run(now=timezone.now())
                except BaseException as error:  # reported by the fixture
                    with self.passed:
                        self.errors.append(error)
                        self.passed.notify_all()
                    return
                with self.passed:
                    self.runs += 1
                    self.passed.notify_all()
                self.finished.set()
                # Between passes, as the worker's interval would; short, so that the walk
                # meets a pass under way at nearly every step.
                self.stop.wait(0.02)
        finally:
            connection.close()


class Server:
    def __init__(self, thread: Any) -> None:
        self.thread = thread

    @property
    def url(self) -> str:
        return f"http://{self.thread.host}:{self.thread.port}"


@contextmanager
def own_connections(tmp_path: Path) -> Iterator[None]:
    """The test database, reachable from threads with their own connections."""
    from jiefen.conftest import SEEDS

    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(django_apps, None)
    from jiefen.rules.services import rules_changed

    rules_changed()
    memory = connections[DEFAULT_DB_ALIAS]
    if memory.vendor != "sqlite" or not memory.is_in_memory_db():  # type: ignore[attr-defined]
        yield
        return
    memory.ensure_connection()
    path = tmp_path / "jiefen.sqlite3"
    with sqlite3.connect(path) as target:
        memory.connection.backup(target)
    target.close()
    settings_dict = memory.settings_dict
    name = settings_dict["NAME"]
    settings_dict["NAME"] = str(path)
    connections[DEFAULT_DB_ALIAS] = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS].close()
        settings_dict["NAME"] = name
        connections[DEFAULT_DB_ALIAS] = memory


@pytest.fixture
def journey_server(transactional_db, settings, tmp_path):
    """The site and the sweep, both running, for one walk; yields the server (`.url`) with
    the running sweep as `.sweeps`."""
    import django_tasks.signals  # noqa: F401 - resets the task backends when TASKS changes
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    with own_connections(tmp_path):
        yield from _serve_and_sweep(LiveServerThread("127.0.0.1", StaticFilesHandler))


def _serve_and_sweep(thread: Any) -> Iterator[Server]:
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    sweeps = Sweeps()
    sweeper = threading.Thread(target=sweeps.loop, daemon=True)
    sweeper.start()
    server = Server(thread)
    server.sweeps = sweeps  # type: ignore[attr-defined]
    assert sweeps.finished.wait(30), "the background sweep never finished a pass"
    before = sweeps.runs
    try:
        yield server
    finally:
        sweeps.stop.set()
        sweeper.join(60)
        thread.terminate()
    if sweeps.errors:
        raise sweeps.errors[0]
    assert sweeps.runs > before, "no sweep finished during the walk"


@pytest.fixture(params=list(SIZES))
def journey_page(request, chromium):
    """A fresh Chinese page at a phone's size and at a desktop's; `page.size_name` says which."""
    context = chromium.new_context(
        viewport=SIZES[request.param], locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    page.size_name = request.param
    yield page
    context.close()


def shot(page: Any, tmp_path: Any, name: str) -> None:
    """A screenshot of the whole page, with the test's files or in $JIEFEN_SHOTS."""
    directory = Path(os.environ.get("JIEFEN_SHOTS") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"{name}-{page.size_name}.png"), full_page=True)
