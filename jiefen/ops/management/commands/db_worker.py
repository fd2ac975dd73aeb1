"""`jiefen db_worker`: django-tasks-db's worker with time limits per task kind, a clean stop on
SIGTERM and the reaping of tasks left running by a killed worker (jiefen.ops.worker).

It takes the place of django-tasks-db's command of the same name because jiefen.ops comes
before django_tasks_db in INSTALLED_APPS."""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from jiefen.ops.worker import GRACE, GuardedWorker


class Command(db_worker.Command):
    help = (
        "Run a database background worker: each task under its kind's time limit; on SIGTERM "
        "the running task may finish within --grace seconds, then it is stopped and failed"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--grace",
            type=float,
            default=GRACE,
            help="seconds the running task may take to finish after SIGTERM (default: %(default)s)",
        )

    def handle(self, *, grace: float, **options: Any) -> None:  # type: ignore[override]
        self.configure_logging(options["verbosity"])
        reload = options["reload"] and not options["batch"]
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            from django.core.management.base import CommandError

            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = GuardedWorker(
            grace=max(0.0, grace),
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
