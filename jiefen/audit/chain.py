"""The hash chain: appending, verifying and pruning audit records.

Canonical form of a record (what its hash covers) — a JSON array, keys sorted, no spaces,
UTF-8, non-ASCII kept as is:

    [seq, at, actor_kind, actor_user_id, actor_system, ip, action, app_label, model,
     object_pk, region_code, fields, params, prev_hash]

`at` is ISO 8601 in UTC with microseconds ("2026-03-02T02:00:00.000000+00:00"); absent values
are null or "" exactly as stored. hash = SHA-256 (hex) of that text. `prev_hash` is the hash of
record seq-1 (or the checkpoint left by pruning; 64 zeros for the first record ever).

Appending happens inside the writer's transaction, after locking the one ChainHead row: the
appends of concurrent transactions queue on that lock, so seq has no gaps and each record names
its true predecessor; a write that rolls back takes its record and the head's advance with it,
so neither an orphan record nor a gap remains. (Writing on commit instead would leave a window
— commit done, process killed before the audit write — in which a change exists with no record,
and would need a second transaction with its own failure.) The price is that audited writes are
serialised from their first audited row to their commit; writes are rare (< 1 a second even
nationally) and short. On SQLite the database serialises writers anyway.

Verification walks the records in seq order, in chunks of CHUNK (memory stays flat), and
reports the first record that does not fit: a changed record (its hash is not the hash of its
content), a deleted one (a seq missing), an inserted or reordered one (prev_hash is not its
predecessor's hash), a dropped tail (the last record is not the one the head names).

This detects tampering by anyone who does not also rewrite the head and every later hash;
publishing the head hash elsewhere from time to time (`jiefen audit verify` prints it) anchors
the chain against that too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.audit.context import Actor
from jiefen.audit.models import ChainHead, Record

CHUNK = 2000
MIN_RETENTION_DAYS = 183
DEFAULT_RETENTION_DAYS = 1096


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _at(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(record: Record) -> str:
    return _json(
        [
            record.seq,
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
            record.prev_hash,
        ]
    )


def digest(record: Record) -> str:
    return hashlib.sha256(canonical(record).encode("utf-8")).hexdigest()


def _head_for_update() -> ChainHead:
    head, _created = ChainHead.objects.select_for_update().get_or_create(pk=1)
    return head


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
    """Add one record at the end of the chain, in the caller's transaction if there is one."""
    with transaction.atomic(savepoint=False):
        head = _head_for_update()
        record = Record(
            seq=head.last_seq + 1,
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
            prev_hash=head.last_hash,
        )
        record.hash = digest(record)
        record.save(force_insert=True)
        head.last_seq = record.seq
        head.last_hash = record.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return record


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
            if digest(record) != record.hash:
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
        after = rows[-1].seq
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


def verify(*, save: bool = True) -> Outcome:
    """Walk the whole chain; with `save`, remember the outcome for the audit page."""
    head = ChainHead.objects.get_or_create(pk=1)[0]
    outcome = _walk(head, head.last_seq)
    if save:
        ChainHead.objects.filter(pk=1).update(
            verified_at=timezone.now(),
            verified_ok=outcome.ok,
            verified_seq=outcome.last_seq,
            verified_message=outcome.message[:300],
        )
    return outcome


def verify_tail(count: int = 200) -> Outcome:
    """Check only the newest `count` records and the head: cheap enough for a page view."""
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
        if (prev is not None and record.prev_hash != prev) or digest(record) != record.hash:
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
            head = _head_for_update()
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
