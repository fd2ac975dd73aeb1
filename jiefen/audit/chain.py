"""The hash chain: writing, sealing, verifying and pruning audit records.

Writing and sealing are two steps, so that writers never wait for one another:

1. A writer only INSERTs its records, in its own transaction (all of a service's records in
   one statement inside `gathered()`). A record is born *unsealed*: no `seq`, no `prev_hash`,
   no `hash`, but a random `nonce` and a `mac`, the HMAC-SHA256 of its content under
   JIEFEN_AUDIT_HASH_KEY (default SECRET_KEY): a key the database does not hold. The write
   rolls back with the writer's transaction, so there is never a change without its record,
   nor a record of a change that did not happen. No writer locks anything of the audit app.
2. The sealer (`seal`) is the only one that takes the ChainHead row FOR UPDATE. It takes the
   unsealed records in `id` order (the database's sequence, i.e. the order they were
   written), gives each the next `seq`, its predecessor's hash and its own hash, and moves the
   head, in one transaction per chunk. After every commit of a gathered write, the writer only
   wakes its process's sealer thread (`Sealer`), which waits JIEFEN_AUDIT_SEAL_DELAY (0.2 s)
   to gather what the process commits meanwhile and seals it all at once, off the request: a
   registration then sends no sealing statement and pays no hashing, and one round seals many
   records. It also seals at the end of every sweep and before every verification (`verify`,
   `verify_tail`, the audit page, `audit verify`, `audit prune`), and at a process's exit.
   Sealers queue on the head; writers do not, so a sweep batch and a person's transaction can
   no longer deadlock over it. With JIEFEN_AUDIT_SEAL_DELAY None the writer seals itself after
   its commit, without waiting if another sealer holds the head (the tests' default).

Canonical form of a sealed record (what its hash covers) — a JSON array, keys sorted, no
spaces, UTF-8, non-ASCII kept as is:

    [seq, at, actor_kind, actor_user_id, actor_system, ip, action, app_label, model,
     object_pk, region_code, fields, params, prev_hash, nonce, mac]

(`nonce` and `mac` only for records that have a mac: those written before sealing existed,
seq <= ChainHead.legacy_seq, are hashed without them, exactly as they were.) `at` is ISO 8601
in UTC with microseconds; absent values are null or "" exactly as stored. hash = SHA-256 (hex)
of that text. `prev_hash` is the hash of record seq-1 (or the checkpoint left by pruning; 64
zeros for the first record ever). The mac covers [at, actor_kind, actor_user_id, actor_system,
ip, action, app_label, model, object_pk, region_code, fields, params, nonce].

Verification seals what is waiting, then walks the records in seq order, in chunks of CHUNK
(memory stays flat), and reports the first record that does not fit: a changed record (its hash
or its mac is not that of its content), a deleted one (a seq missing), an inserted or reordered
one (prev_hash is not its predecessor's hash), a dropped tail (the last record is not the one
the head names), a record after legacy_seq without a mac. On SQLite it also checks that the ids
have no hole and that none was taken past the last (SQLite's ids are given by one writer at a
time and a rollback gives its id back, so a hole is a record deleted); on PostgreSQL a rolled
back write leaves an unused id, so holes are counted (`Outcome.unused_ids`) but prove nothing.

What someone with write access to the database, but not the key, can hide:

- a sealed record: nothing — changing, deleting, inserting or reordering one, or dropping the
  tail, breaks the chain, unless they rewrite the head and every later hash; a changed record
  is still found by its mac then, a deleted one is not (publish the head hash that
  `jiefen audit verify` prints to anchor the chain against that);
- a record not sealed yet (the window from its commit to its process's next sealing round:
  normally JIEFEN_AUDIT_SEAL_DELAY plus a few milliseconds; at most until the next seal by any
  process or the next sweep if the process died in between): a change is found (the mac no
  longer fits), so is a record inserted without the key (no valid mac) or a copy of one (the
  mac is unique). A deletion is found on SQLite (a hole in the ids, or an id taken past the
  last) but on PostgreSQL it looks like a rolled back write (one more unused id). Swapping the
  ids of two unsealed records changes their order in the chain unnoticed; their times, under
  the mac, still say when each was written. The delay widens this window from milliseconds to
  a fifth of a second: what can be hidden in it is the same, only for longer.
- With the key as well (it is in the server's settings), an unsealed record can be rewritten at
  will; a sealed one cannot, without rewriting the rest of the chain as above.
"""

from __future__ import annotations

import atexit
import contextvars
import dataclasses
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.audit.context import Actor
from jiefen.audit.models import ChainHead, Record
from jiefen.lib.rows import rows_insert

CHUNK = 2000
MIN_RETENTION_DAYS = 183
DEFAULT_RETENTION_DAYS = 1096


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _at(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _content(record: Record) -> list[Any]:
    return [
        _at(record.at),
        record.actor_kind,
        record.actor_user_id,
        record.actor_system,
        record.ip,
        record.action,
        record.app_label,
        record.model,
        record.object_pk,
        record.region_code,
        record.fields,
        record.params,
    ]


def canonical(record: Record) -> str:
    content = _content(record)
    tail = [record.nonce, record.mac] if record.mac else []
    return _json([record.seq, *content, record.prev_hash, *tail])


def digest(record: Record) -> str:
    return hashlib.sha256(canonical(record).encode("utf-8")).hexdigest()


def _key() -> bytes:
    key = getattr(settings, "JIEFEN_AUDIT_HASH_KEY", "") or settings.SECRET_KEY
    return ("jiefen.audit.record:" + key).encode()


def mac(record: Record) -> str:
    """The keyed hash of a record's content, written with it before it is sealed."""
    text = _json([*_content(record), record.nonce])
    return hmac.new(_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()


def _head_for_update(*, wait: bool = True) -> ChainHead | None:
    if not wait and connection.features.has_select_for_update_skip_locked:
        head = ChainHead.objects.select_for_update(skip_locked=True).filter(pk=1).first()
        if head is not None or ChainHead.objects.filter(pk=1).exists():
            return head  # None: another sealer holds it and will take these records too
    head, _created = ChainHead.objects.select_for_update().get_or_create(pk=1)
    return head


# Records gathered for one INSERT: a list while a `gathered()` block is open.
_gathering: contextvars.ContextVar[list[Record] | None] = contextvars.ContextVar(
    "jiefen_audit_gathering", default=None
)


@contextmanager
def gathered() -> Iterator[None]:
    """Write the records appended inside the block in one INSERT when it ends. Use it inside
    the transaction of the writes it records (a service's `transaction.atomic()`), so that the
    records commit or roll back with them; if the block raises, its records are dropped (the
    writes they describe are being rolled back). Nested blocks join the outermost one."""
    pending = _gathering.get()
    if pending is not None:
        mark = len(pending)
        try:
            yield
        except BaseException:
            del pending[mark:]
            raise
        return
    pending = []
    token = _gathering.set(pending)
    try:
        yield
    finally:
        _gathering.reset(token)
    # Only reached without an exception.
    _write(pending)


def _write(records: list[Record]) -> None:
    if not records:
        return
    rows_insert(Record, records)
    if not connection.in_atomic_block:
        seal_soon()
    elif not any(entry[1] is seal_soon for entry in connection.run_on_commit):
        transaction.on_commit(seal_soon)


def append(
    *,
    actor: Actor,
    action: str,
    app_label: str = "",
    model: str = "",
    object_pk: Any = "",
    region_code: int | None = None,
    fields: Iterable[str] = (),
    params: dict[str, Any] | None = None,
) -> Record:
    """Add one unsealed record, in the caller's transaction if there is one (in that of the
    enclosing `gathered()` block's INSERT if one is open). Waits for no other writer."""
    record = Record(
        at=timezone.now(),
        actor_kind=actor.kind,
        actor_user_id=actor.user_id,
        actor_system=actor.system[:100],
        ip=actor.ip,
        action=action[:40],
        app_label=app_label[:50],
        model=model[:60],
        object_pk=str(object_pk if object_pk is not None else "")[:64],
        region_code=region_code,
        fields=sorted(set(fields)),
        # Through JSON once, so what is hashed is what the database gives back.
        params=json.loads(_json(params or {})),
        nonce=secrets.token_hex(8),
    )
    record.mac = mac(record)
    pending = _gathering.get()
    if pending is not None:
        pending.append(record)
    else:
        _write([record])
    return record


# ---------------------------------------------------------------------------------------------
# Sealing


def seal(*, wait: bool = True) -> int:
    """Put every committed unsealed record into the chain, in id order; returns how many.
    With `wait=False`, returns at once if another sealer holds the head (PostgreSQL): that one
    seals what is committed when it reads. Each chunk is its own transaction, so run it
    outside any other (the sweep and the worker do)."""
    sealed = 0
    while True:
        with transaction.atomic():
            head = _head_for_update(wait=wait)
            if head is None:
                return sealed
            rows = list(Record.objects.filter(seq__isnull=True).order_by("id")[:CHUNK])
            if not rows:
                return sealed
            seq, prev = head.last_seq, head.last_hash
            for record in rows:
                seq += 1
                record.seq = seq
                record.prev_hash = prev
                record.hash = digest(record)
                prev = record.hash
            # One prepared UPDATE run for every row (bulk_update's CASE grows with the chunk).
            table = connection.ops.quote_name(Record._meta.db_table)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
                    [(r.seq, r.prev_hash, r.hash, r.pk) for r in rows],
                )
            head.last_seq, head.last_hash = seq, prev
            head.save(update_fields=["last_seq", "last_hash"])
            sealed += len(rows)
        if len(rows) < CHUNK:
            return sealed


def seal_soon() -> None:
    """After a commit: wake the process's sealer (or, with JIEFEN_AUDIT_SEAL_DELAY None, seal
    now unless another sealer is at it). A failure here must not turn a committed write into an
    error; what is left is sealed by the next seal or the sweep."""
    if seal_delay() is not None:
        sealer.wake()
        return
    try:
        seal(wait=False)
    except Exception:  # pragma: no cover - logged, sealed later
        logging.getLogger("jiefen.audit").exception("sealing the audit chain failed")


def seal_delay() -> float | None:
    delay = getattr(settings, "JIEFEN_AUDIT_SEAL_DELAY", None)
    return None if delay is None else float(delay)


class Sealer:
    """The process's sealing thread: woken after each commit that wrote records, it waits the
    delay, then seals everything committed by then, whoever wrote it, waiting for the head if
    another sealer holds it (nothing waits on this thread). Started on the first wake in each
    process (a forked worker starts its own) and kept for the process's life, with its own
    database connection; at the process's exit it stops and what is left is sealed."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._lock = threading.Lock()
        self._woken = threading.Condition(self._lock)
        self._pending = False
        self._wakes = 0  # wakes so far
        self._sealed_wakes = 0  # wakes whose commits a finished round has sealed
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stopping = False

    def wake(self) -> None:
        with self._lock:
            self._pending = True
            self._wakes += 1
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._stopping = False
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name="jiefen-audit-sealer", daemon=True
                )
                self._thread.start()
            self._woken.notify()

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until a round has sealed what was committed before the latest wake; False if
        the thread did not get there within `timeout` seconds."""
        with self._lock:
            target = self._wakes
            if self._thread is None or not self._thread.is_alive():
                return self._sealed_wakes >= target
            return self._woken.wait_for(lambda: self._sealed_wakes >= target, timeout)

    def stop(self) -> None:
        """End the thread after its current round (tests, the process's exit)."""
        with self._lock:
            thread, self._stopping = self._thread, True
            self._woken.notify_all()
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout=30)
        with self._lock:
            self._thread = None

    def _run(self) -> None:
        try:
            while True:
                with self._lock:
                    self._woken.wait_for(lambda: self._pending or self._stopping)
                    if self._stopping and not self._pending:
                        return
                delay = seal_delay() or 0.0
                with self._lock:
                    # Gather what the process commits meanwhile (cut short by stop()).
                    self._woken.wait_for(lambda: self._stopping, delay)
                    # Taken before sealing: a commit after this wakes another round.
                    self._pending = False
                    covered = self._wakes
                try:
                    seal()
                except Exception:  # logged; the next round or the sweep seals it
                    logging.getLogger("jiefen.audit").exception("sealing the audit chain failed")
                    connection.close()  # a broken connection is opened afresh next round
                with self._lock:
                    self._sealed_wakes = covered
                    self._woken.notify_all()
        finally:
            connection.close()


sealer = Sealer()
# A forked process (a gunicorn worker) starts with no sealer thread and fresh locks.
os.register_at_fork(after_in_child=sealer.reset)


@atexit.register
def _seal_at_exit() -> None:
    """What this process committed and its sealer has not sealed yet (a command that wrote
    records just before it ended)."""
    if sealer._thread is None or sealer._pid != os.getpid():
        return
    sealer.stop()
    try:
        seal()
    except Exception:  # pragma: no cover - sealed later by the sweep
        logging.getLogger("jiefen.audit").exception("sealing the audit chain failed")


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass(frozen=True)
class Outcome:
    ok: bool
    checked: int
    last_seq: int
    last_hash: str
    broken_seq: int | None = None
    message: str = ""
    # PostgreSQL: ids never used by a committed record (rolled back writes, or records deleted
    # before they were sealed; the two cannot be told apart there).
    unused_ids: int = 0


def _walk(head: ChainHead, through_seq: int, check_head: bool = True) -> Outcome:
    """Walk from the checkpoint to `through_seq`. Bounded, because records appended while the
    walk runs are not the head this walk read."""
    expected_seq = head.checkpoint_seq + 1
    prev = head.checkpoint_hash
    checked = 0
    first_seq = Record.objects.order_by("seq").values_list("seq", flat=True).first()
    if first_seq is not None and first_seq <= head.checkpoint_seq:
        return Outcome(
            False,
            0,
            head.checkpoint_seq,
            prev,
            first_seq,
            _("第 %(seq)d 条记录在剪除检查点之前，不应存在（检查点被改动或记录被插入）")
            % {"seq": first_seq},
        )
    after = head.checkpoint_seq
    while True:
        chunk = Record.objects.filter(seq__gt=after, seq__lte=through_seq).order_by("seq")
        rows = list(chunk[:CHUNK])
        if not rows:
            break
        for record in rows:
            assert record.seq is not None  # sealed: the query asked for a seq
            if record.seq != expected_seq:
                return Outcome(
                    False,
                    checked,
                    expected_seq - 1,
                    prev,
                    expected_seq,
                    _("缺少第 %(from)d–%(to)d 条记录（被删除）")
                    % {"from": expected_seq, "to": record.seq - 1},
                )
            if record.prev_hash != prev:
                return Outcome(
                    False,
                    checked,
                    expected_seq - 1,
                    prev,
                    record.seq,
                    _("第 %(seq)d 条记录与前一条不衔接（被插入、调换顺序或前一条被改动）")
                    % {"seq": record.seq},
                )
            if digest(record) != record.hash or (
                (record.mac or record.seq > head.legacy_seq) and mac(record) != record.mac
            ):
                return Outcome(
                    False,
                    checked,
                    expected_seq - 1,
                    prev,
                    record.seq,
                    _("第 %(seq)d 条记录的内容被改动") % {"seq": record.seq},
                )
            prev = record.hash
            expected_seq += 1
            checked += 1
        after = expected_seq - 1
    last_seq = expected_seq - 1
    if check_head and (last_seq != head.last_seq or prev != head.last_hash):
        if last_seq < head.last_seq:
            message = _("链尾缺少第 %(from)d–%(to)d 条记录（被截断）") % {
                "from": last_seq + 1,
                "to": head.last_seq,
            }
        else:
            message = _("链尾与链头记录的最后摘要不符（第 %(seq)d 条）") % {"seq": last_seq}
        return Outcome(False, checked, last_seq, prev, last_seq + 1, message)
    if check_head:
        # A record past the head: appended without the head (an append commits both at once).
        fresh = ChainHead.objects.get(pk=head.pk).last_seq
        beyond = Record.objects.filter(seq__gt=fresh).order_by("seq").first()
        if beyond is not None:
            return Outcome(
                False,
                checked,
                last_seq,
                prev,
                beyond.seq,
                _("第 %(seq)d 条记录在链头之后（被插入）") % {"seq": beyond.seq},
            )
    return Outcome(True, checked, last_seq, prev)


def _ids_hole() -> tuple[int, int] | None:
    """The first hole in the records' ids, (first missing, last missing), or None."""
    table = connection.ops.quote_name(Record._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT prev + 1, id - 1 FROM (SELECT id, LAG(id) OVER (ORDER BY id) AS prev "
            f"FROM {table}) AS t WHERE id - prev > 1 ORDER BY id LIMIT 1"
        )
        row = cursor.fetchone()
        if row is not None:
            return int(row[0]), int(row[1])
        if connection.vendor == "sqlite":
            # The last id handed out: a record deleted from the end leaves it behind.
            cursor.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = %s", [Record._meta.db_table]
            )
            given = cursor.fetchone()
            cursor.execute(f"SELECT MAX(id) FROM {table}")
            last = cursor.fetchone()[0] or 0
            if given is not None and int(given[0]) > last:
                return last + 1, int(given[0])
    return None


def _unused_ids() -> int:
    table = connection.ops.quote_name(Record._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id), COUNT(*) FROM {table}")
        low, high, count = cursor.fetchone()
    return 0 if not count else int(high) - int(low) + 1 - int(count)


def _ids_checked(outcome: Outcome) -> Outcome:
    """Records deleted before they were sealed (see the module's docstring)."""
    if connection.vendor != "sqlite":
        return dataclasses.replace(outcome, unused_ids=_unused_ids())
    hole = _ids_hole()
    if hole is None or not outcome.ok:
        return outcome
    return dataclasses.replace(
        outcome,
        ok=False,
        message=_("编号 %(from)d–%(to)d 的审计记录在封存前被删除")
        % {"from": hole[0], "to": hole[1]},
    )


def verify(*, save: bool = True) -> Outcome:
    """Seal what is waiting, then walk the whole chain; with `save`, remember the outcome for
    the audit page."""
    seal()
    head = ChainHead.objects.get_or_create(pk=1)[0]
    outcome = _ids_checked(_walk(head, head.last_seq))
    if save:
        ChainHead.objects.filter(pk=1).update(
            verified_at=timezone.now(),
            verified_ok=outcome.ok,
            verified_seq=outcome.last_seq,
            verified_message=outcome.message[:300],
        )
    return outcome


def verify_tail(count: int = 200) -> Outcome:
    """Seal what is waiting, then check only the newest `count` records and the head: cheap
    enough for a page view."""
    seal(wait=False)
    head = ChainHead.objects.get_or_create(pk=1)[0]
    start = max(head.checkpoint_seq, head.last_seq - count)
    rows = list(Record.objects.filter(seq__gt=start, seq__lte=head.last_seq).order_by("seq"))
    prev = None
    expected = start + 1
    for record in rows:
        if record.seq != expected:
            return Outcome(
                False, 0, expected - 1, "", expected, _("缺少第 %(seq)d 条记录") % {"seq": expected}
            )
        if (
            (prev is not None and record.prev_hash != prev)
            or digest(record) != record.hash
            or ((record.mac or record.seq > head.legacy_seq) and mac(record) != record.mac)
        ):
            return Outcome(
                False,
                0,
                record.seq,
                "",
                record.seq,
                _("第 %(seq)d 条记录校验失败") % {"seq": record.seq},
            )
        prev = record.hash
        expected += 1
    if expected - 1 != head.last_seq or (prev is not None and prev != head.last_hash):
        return Outcome(False, 0, expected - 1, "", expected, _("链尾与链头不符（记录被截断）"))
    return Outcome(True, len(rows), head.last_seq, head.last_hash)


# ---------------------------------------------------------------------------------------------
# Retention


def retention_days() -> int:
    days = getattr(settings, "JIEFEN_AUDIT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(
            _("JIEFEN_AUDIT_RETENTION_DAYS 应为整数天数（当前：%(value)r）") % {"value": days}
        ) from None
    if days < MIN_RETENTION_DAYS:
        raise ImproperlyConfigured(
            _("审计记录至少保留 %(min)d 天，JIEFEN_AUDIT_RETENTION_DAYS=%(days)d 过短")
            % {"min": MIN_RETENTION_DAYS, "days": days}
        )
    return days


def prune(*, now: datetime | None = None, actor: Actor | None = None) -> int:
    """Remove the records older than the retention period from the start of the chain, moving
    the checkpoint to the hash of the last one removed, so that verification still starts from a
    known hash. Each chunk is its own transaction (a crash leaves a consistent chain); a second
    run finds nothing more to remove. Refuses if the part to remove does not verify: pruning
    must not erase the evidence of tampering. Returns how many records were removed."""
    days = retention_days()
    cutoff = (now or timezone.now()) - timedelta(days=days)
    seal()
    head = ChainHead.objects.get_or_create(pk=1)[0]
    # Appends are in time order, so the old records are the start of the chain.
    through = (
        Record.objects.filter(at__lt=cutoff).order_by("-seq").values_list("seq", flat=True).first()
    )
    if through is None or through <= head.checkpoint_seq:
        return 0
    newer = (
        Record.objects.filter(seq__lte=through, at__gte=cutoff)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    if newer is not None:  # a clock step backwards: stop before the first newer record
        through = newer - 1
        if through <= head.checkpoint_seq:
            return 0
    outcome = _walk(head, through, check_head=False)
    if not outcome.ok or outcome.last_seq != through:
        raise ValueError(
            _("待剪除的审计记录校验未通过，已停止剪除：%(message)s") % {"message": outcome.message}
        )
    removed = 0
    while True:
        with transaction.atomic():
            locked = _head_for_update()
            assert locked is not None  # waited for it
            head = locked
            if head.checkpoint_seq >= through:
                break
            upto = min(head.checkpoint_seq + CHUNK, through)
            last = Record.objects.get(seq=upto)
            removed += Record.objects.filter(seq__lte=upto).delete()[0]
            head.checkpoint_seq = upto
            head.checkpoint_hash = last.hash
            head.checkpoint_at = last.at
            head.save(update_fields=["checkpoint_seq", "checkpoint_hash", "checkpoint_at"])
    if removed:
        from jiefen.audit.context import current

        append(
            actor=actor or current(),
            action="audit_prune",
            app_label="audit",
            model="record",
            params={"through_seq": through, "removed": removed, "retention_days": days},
        )
    return removed
