"""Writing an import file, the second of its two passes: each row is played through the same
moves as the web form (register, accept, resolve, decline, visit, close) with historical
timestamps, so numbers, events, level stays, deadlines, the KPI rollups, the audit records and
the search words are exactly those of a dispute registered by hand. The importer is the actor
of every move; nobody is impersonated.

A chunk of rows is replayed in memory by jiefen.disputes.replay, through the same checks and
changes as the services, and then written once per table in one transaction; `one_by_one`
plays each row through the services themselves instead (write_row), one call per move: the
reference the replay is tested against (tests/test_import_replay.py), about fifty times slower.

Transactions: rows are written in chunks of at most CHUNK rows (see there), one transaction
each, with the job's progress committed between chunks. The rule: nothing is written before the
whole file has passed the check, so a chunk can only fail for a reason the check cannot see
(the database, or a category or region changed meanwhile). Then that chunk is rolled back, the
job stops as "failed" and reports how many rows (all before the failing chunk) were imported,
with their numbers. One transaction for the whole file would hold SQLite's single write lock
for minutes, and every clerk registering a dispute meanwhile would wait past the lock timeout.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.audit.chain import gathered
from jiefen.disputes import services
from jiefen.disputes.lifecycle import Action
from jiefen.disputes.models import Dispute, Outcome
from jiefen.disputes.replay import Replay
from jiefen.lib.errors import DisputeError
from jiefen.ops.batches import write_batch
from jiefen.ops.worker import TaskStopped
from jiefen.spreadsheets.importing.checking import Progress, Result, Row, RowError, check_file

# Rows per transaction: at most CHUNK, so that a commit, the chunk's single INSERT per table and
# its seal serve many rows. A replayed chunk is played before its transaction begins and holds
# SQLite's single write lock only while it is written (about 0.3 s of CPU for 200 rows); on a
# busy machine, where that takes longer, the next chunks are smaller (_next_size), so that a
# person's write waits at most about CHUNK_SECONDS behind an import, well inside the lock
# timeout. One by one (a row is about four moves, ≈ 30–50 ms there) a chunk ends once it has held
# the lock for CHUNK_SECONDS. PostgreSQL locks rows, not the database, and a clerk's write never
# waits for an import's chunk.
CHUNK = 200
CHUNK_SECONDS = 1.0


def _moments(row: Row, now: datetime) -> list[datetime]:
    """Register, then each move, at office hours of the row's dates; never in the future."""

    def at(day: date, hh: int, mm: int) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hh, mm)))

    times = [at(row.registered, 9, 0)]
    for move in row.moves:
        if move == Action.ACCEPT:
            times.append(at(row.registered, 9, 5))
        elif move in (Action.RESOLVE, Action.DECLINE):
            assert row.resolved is not None
            times.append(max(at(row.resolved, 16, 0), times[-1] + timedelta(minutes=5)))
        elif move == Action.VISIT:
            visit_day = row.closed or row.resolved
            assert visit_day is not None
            times.append(max(at(visit_day, 16, 30), times[-1] + timedelta(minutes=5)))
        else:
            times.append(times[-1] + timedelta(minutes=10))
    # A row dated today may fall after this moment: pull the whole story back before now.
    overshoot = times[-1] - now
    if overshoot > timedelta(0):
        gap = timedelta(seconds=1)
        times = [min(t, now - gap * (len(times) - i)) for i, t in enumerate(times)]
    return times


def write_row(actor: Any, row: Row, now: datetime) -> str:
    """Play one row through the services; returns the dispute's number."""
    times = _moments(row, now)
    dispute = services.dispute_register(actor=actor, data=row.data, at=times[0])
    pk, version = dispute.pk, dispute.version
    for move, moment in zip(row.moves, times[1:], strict=True):
        if move == Action.ACCEPT:
            d = services.dispute_accept(actor=actor, dispute_id=pk, version=version, at=moment)
        elif move == Action.DECLINE:
            d = services.dispute_decline(
                actor=actor,
                dispute_id=pk,
                version=version,
                reason=row.notes,
                route=row.route,
                at=moment,
            )
        elif move == Action.RESOLVE:
            d = services.dispute_resolve(
                actor=actor,
                dispute_id=pk,
                version=version,
                outcome=row.outcome,
                route=row.route if row.outcome == Outcome.NO_AGREEMENT else "",
                agreement=_agreement(row),
                reason=row.notes if row.outcome == Outcome.NO_AGREEMENT else "",
                at=moment,
            )
        elif move == Action.VISIT:
            d = services.dispute_visit(
                actor=actor,
                dispute_id=pk,
                version=version,
                satisfaction=row.satisfaction,
                held=None,
                at=moment,
            )
        else:
            d = services.dispute_close(actor=actor, dispute_id=pk, version=version, at=moment)
        version = d.version
    return dispute.number


def replay_row(replay: Replay, actor: Any, row: Row, now: datetime) -> Dispute:
    """Replay one row's history in memory (see write_row, its twin through the services)."""
    times = _moments(row, now)
    dispute = replay.register(actor=actor, data=row.data, at=times[0])
    for move, moment in zip(row.moves, times[1:], strict=True):
        if move == Action.ACCEPT:
            replay.accept(actor=actor, dispute=dispute, at=moment)
        elif move == Action.DECLINE:
            replay.decline(
                actor=actor, dispute=dispute, reason=row.notes, route=row.route, at=moment
            )
        elif move == Action.RESOLVE:
            replay.resolve(
                actor=actor,
                dispute=dispute,
                outcome=row.outcome,
                route=row.route if row.outcome == Outcome.NO_AGREEMENT else "",
                agreement=_agreement(row),
                reason=row.notes if row.outcome == Outcome.NO_AGREEMENT else "",
                at=moment,
            )
        elif move == Action.VISIT:
            replay.visit(
                actor=actor, dispute=dispute, satisfaction=row.satisfaction, held=None, at=moment
            )
        else:
            replay.close(actor=actor, dispute=dispute, at=moment)
    return dispute


def _agreement(row: Row) -> services.AgreementInput | None:
    if row.outcome != Outcome.AGREEMENT:
        return None
    return services.AgreementInput(
        facts=row.data.description,
        terms=row.notes,
        performance=_("见协议内容"),
        signed_on=row.resolved,
    )


@dataclass
class _Chunk:
    row: Row  # the row being written, for the message if it fails
    held: float = 0.0  # how long the chunk's transaction took, in seconds


def _chunk_replayed(actor: Any, chunk: list[Row], now: datetime, state: _Chunk) -> list[str]:
    """Replay the chunk in memory (reads only), then write it in one transaction."""
    disputes = []
    with Replay() as replay:
        for row in chunk:
            state.row = row
            disputes.append(replay_row(replay, actor, row, now))
    state.row = chunk[-1]
    began = clock.perf_counter()
    # The chunk's audit records in one INSERT, sealed after its commit.
    with write_batch(), gathered():
        replay.write()
        state.held = clock.perf_counter() - began
    return [d.number for d in disputes]


def _chunk_one_by_one(actor: Any, chunk: list[Row], now: datetime, state: _Chunk) -> list[str]:
    """Each row through the services, in one transaction, until CHUNK_SECONDS on SQLite."""
    bounded = connection.vendor == "sqlite"
    numbers: list[str] = []
    began = clock.perf_counter()
    with write_batch(), gathered():
        for row in chunk:
            state.row = row
            numbers.append(write_row(actor, row, now))
            if bounded and clock.perf_counter() - began >= CHUNK_SECONDS:
                break
    return numbers


# The fewest rows of a replayed chunk: below that, a commit, a seal and a pause per chunk cost
# more than the rows.
CHUNK_MIN = 50


def _next_size(size: int, held: float) -> int:
    """On SQLite, the next replayed chunk's rows: fewer when this one held the write lock past
    CHUNK_SECONDS (a busy machine), back up to CHUNK when it is quick again."""
    if connection.vendor != "sqlite" or held <= 0:
        return size
    if held > CHUNK_SECONDS:
        return max(min(CHUNK_MIN, CHUNK), int(size * CHUNK_SECONDS / held))
    return min(CHUNK, size * 2)


def import_file(
    actor: Any,
    raw: bytes,
    filename: str,
    *,
    valid_only: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    one_by_one: bool = False,
) -> Result:
    """Check the file, then (unless refused or a dry run) write it. Raises FileError for a file
    that cannot be read at all. `one_by_one`: through the services row by row (see above)."""
    rows, result = check_file(actor, raw, filename, progress)
    if (result.errors and not valid_only) or not rows:
        result.refused = bool(result.errors) or not rows
        return result
    if dry_run:
        return result
    write_chunk = _chunk_one_by_one if one_by_one else _chunk_replayed
    start, size = 0, CHUNK
    while start < len(rows):
        chunk = rows[start : start + size]
        now = timezone.now()
        state = _Chunk(chunk[0])
        try:
            numbers = write_chunk(actor, chunk, now, state)
            chunk = chunk[: len(numbers)]
        except TaskStopped as stop:
            # The chunk rolled back; what came before it is in. Say so on the job's page.
            stop.partial = result, chunk[0].number  # type: ignore[attr-defined]
            raise
        except DisputeError as error:
            # The check should have caught this; name the row, and say the chunk is not in.
            result.errors.append(
                RowError(
                    state.row.number,
                    "",
                    _("写入时出错：%(error)s。第 %(from)d–%(to)d 行均未导入")
                    % {"error": error, "from": chunk[0].number, "to": state.row.number},
                )
            )
            result.failed = True
            return result
        result.numbers.extend(numbers)
        result.imported += len(chunk)
        start += len(chunk)
        size = _next_size(size, state.held)
        if progress:
            progress("write", result.imported, len(rows))
    return result
