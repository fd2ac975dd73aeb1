"""Background work in short transactions, so that it never makes a person wait.

SQLite has one write lock for the whole database and no queue: a process that wants it polls
(sleeping 1 ms, 2 ms, … up to 100 ms between tries) until the busy timeout. A worker that
commits and at once begins its next write transaction, batch after batch, leaves the lock
free only for microseconds, and a person's write can poll for its whole timeout without ever
finding it free. So background work here:

- reads what it needs outside any transaction (WAL readers take no lock), and writes in
  bounded batches, each committed on its own (`write_batch()`);
- after each batch on SQLite, leaves the lock free for at least as long as it held it (at
  least PAUSE_MIN, at most PAUSE_MAX), so a waiting request gets in within one batch's time.

PostgreSQL locks rows, not the database; there the batches only keep transactions short
(vacuum, replication) and no pause is made.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from django.db import OperationalError, connection, transaction

T = TypeVar("T")
log = logging.getLogger(__name__)

# PostgreSQL's deadlock and serialisation failure: the server rolled one transaction back so
# that the other (often a person's) goes on; the rolled-back batch can simply run again.
RETRYABLE = {"40P01", "40001"}
RETRIES = 3

PAUSE_MIN = 0.002  # seconds
PAUSE_MAX = 0.2
# What a background write batch should stay under: a person's write waits this long at most.
BATCH_SECONDS = 0.05


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def write_batch() -> Iterator[None]:
    """One batch of background writes: its own transaction, then (SQLite, and not inside an
    outer transaction) a pause that lets waiting requests take the write lock."""
    outermost = not connection.in_atomic_block
    started = time.perf_counter()
    with transaction.atomic():
        yield
    if outermost and connection.vendor == "sqlite":
        held = time.perf_counter() - started
        time.sleep(min(PAUSE_MAX, max(PAUSE_MIN, held)))


def each_in_batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of at most `size` items; the caller writes each inside `write_batch()`."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def retryable(error: BaseException) -> bool:
    return getattr(error.__cause__, "sqlstate", None) in RETRYABLE


def step_retried(step: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Run a background step whose batches each commit on their own and whose work is found
    again from the data (a cursor, a marker): when the database rolls a batch back to break a
    deadlock with a person's transaction, the step runs again from where the data stands, up
    to RETRIES times."""
    for attempt in range(1, RETRIES + 1):
        try:
            return step(*args, **kwargs)
        except OperationalError as error:
            if not retryable(error) or attempt == RETRIES:
                raise
            log.warning("%s: %s, running it again (%d)", step.__name__, error, attempt)
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")
