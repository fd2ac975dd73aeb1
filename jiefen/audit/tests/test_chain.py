"""The hash chain: verification finds a changed byte, a deleted record, a reordering and a
dropped tail; pruning keeps the chain verifiable and is idempotent."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from jiefen.audit import chain
from jiefen.audit.models import ChainHead, Record
from jiefen.disputes.tests.conftest import register


@pytest.fixture
def history(world, village_clerk):
    """A few registrations: a few dozen records."""
    for _ in range(3):
        register(world, village_clerk)
    chain.seal()  # as the writer's process does after each commit
    assert Record.objects.count() > 20
    return Record.objects.order_by("seq")


def _sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _middle(history):
    return history[len(history) // 2]


def test_an_untouched_chain_verifies(history):
    outcome = chain.verify()
    assert outcome.ok, outcome.message
    assert outcome.last_seq == ChainHead.objects.get().last_seq
    call_command("audit", "verify")


def test_it_finds_a_single_changed_byte(history):
    victim = _middle(history)
    # One character of the stored action, through SQL, as someone with database access would.
    changed = victim.action[:-1] + chr(ord(victim.action[-1]) ^ 1)
    _sql("UPDATE audit_record SET action = %s WHERE seq = %s", changed, victim.seq)
    outcome = chain.verify()
    assert not outcome.ok
    assert outcome.broken_seq == victim.seq
    with pytest.raises(CommandError) as raised:
        call_command("audit", "verify")
    assert raised.value.returncode == 1
    assert str(victim.seq) in str(raised.value)


def test_it_finds_a_changed_field_list_even_with_its_hash_recomputed(history):
    victim = _middle(history)
    victim.fields = [*victim.fields, "phone"]
    victim.hash = chain.digest(victim)  # a careful forger
    _sql(
        "UPDATE audit_record SET fields = %s, hash = %s WHERE seq = %s",
        '["phone"]',
        victim.hash,
        victim.seq,
    )
    outcome = chain.verify()
    assert not outcome.ok
    assert outcome.broken_seq in (victim.seq, victim.seq + 1)


def test_it_finds_a_deleted_record(history):
    victim = _middle(history)
    _sql("DELETE FROM audit_record WHERE seq = %s", victim.seq)
    outcome = chain.verify()
    assert not outcome.ok
    assert outcome.broken_seq == victim.seq


def test_it_finds_two_records_swapped(history):
    a, b = history[3], history[4]
    _sql("UPDATE audit_record SET seq = -1 WHERE seq = %s", a.seq)
    _sql("UPDATE audit_record SET seq = %s WHERE seq = %s", a.seq, b.seq)
    _sql("UPDATE audit_record SET seq = %s WHERE seq = -1", b.seq)
    outcome = chain.verify()
    assert not outcome.ok
    assert outcome.broken_seq == a.seq


def test_it_finds_a_dropped_tail(history):
    last = history.last()
    _sql("DELETE FROM audit_record WHERE seq >= %s", last.seq - 2)
    outcome = chain.verify()
    assert not outcome.ok
    assert outcome.broken_seq == last.seq - 2
    assert not chain.verify_tail().ok


def test_the_outcome_is_kept_for_the_audit_page(history):
    chain.verify()
    head = ChainHead.objects.get()
    assert head.verified_ok is True and head.verified_seq == head.last_seq
    _sql("DELETE FROM audit_record WHERE seq = %s", _middle(history).seq)
    chain.verify()
    head.refresh_from_db()
    assert head.verified_ok is False and head.verified_message


def _age(history, count, days):
    """Make the first `count` records look `days` old."""
    seqs = [r.seq for r in history[:count]]
    old = timezone.now() - timedelta(days=days)
    # Their hashes cover `at`: re-seal the chain as if they had been written back then.
    prev = ChainHead.objects.get().checkpoint_hash
    for record in Record.objects.order_by("seq"):
        if record.seq in seqs:
            record.at = old
            record.mac = chain.mac(record)
        record.prev_hash = prev
        record.hash = chain.digest(record)
        record.save()
        prev = record.hash
    ChainHead.objects.filter(pk=1).update(last_hash=prev)
    return seqs


def test_prune_removes_old_records_and_the_chain_still_verifies(history, settings):
    settings.JIEFEN_AUDIT_RETENTION_DAYS = 365
    total = history.count()
    seqs = _age(history, 10, days=400)
    assert chain.verify().ok
    assert chain.prune() == 10
    assert not Record.objects.filter(seq__in=seqs).exists()
    head = ChainHead.objects.get()
    assert head.checkpoint_seq == seqs[-1]
    outcome = chain.verify()
    assert outcome.ok, outcome.message
    # The prune itself is in the chain.
    assert Record.objects.order_by("-seq").first().action == "audit_prune"
    assert Record.objects.count() == total - 10 + 1
    # Idempotent: nothing more to remove, nothing more recorded.
    assert chain.prune() == 0
    assert Record.objects.count() == total - 10 + 1
    call_command("audit", "prune")
    assert chain.verify().ok


def test_prune_refuses_to_erase_a_broken_stretch(history, settings):
    settings.JIEFEN_AUDIT_RETENTION_DAYS = 365
    seqs = _age(history, 10, days=400)
    _sql("UPDATE audit_record SET model = 'x' WHERE seq = %s", seqs[3])
    with pytest.raises(ValueError):
        chain.prune()
    assert Record.objects.filter(seq=seqs[0]).exists()


def test_a_retention_under_six_months_is_refused(settings, db):
    settings.JIEFEN_AUDIT_RETENTION_DAYS = 90
    with pytest.raises(ImproperlyConfigured, match="183"):
        chain.prune()
    with pytest.raises(CommandError, match="183"):
        call_command("audit", "prune")
    from jiefen.audit.apps import check_retention

    assert [e.id for e in check_retention(None)] == ["jiefen.audit.E001"]


def test_the_default_retention_is_three_years(settings):
    if hasattr(settings, "JIEFEN_AUDIT_RETENTION_DAYS"):
        del settings.JIEFEN_AUDIT_RETENTION_DAYS
    assert chain.retention_days() == 1096


def test_it_finds_a_record_forged_at_the_end(history):
    last = history.last()
    forged = Record(
        seq=last.seq + 1,
        at=timezone.now(),
        actor_kind="system",
        actor_system="forger",
        action="update",
        prev_hash=last.hash,
    )
    forged.hash = chain.digest(forged)
    forged.save()  # without moving the head
    outcome = chain.verify()
    assert not outcome.ok
    assert outcome.broken_seq == last.seq + 1


# --- The window before sealing ------------------------------------------------------------------


@pytest.fixture
def waiting(history, world, village_clerk):
    """A registration whose records are written but not sealed yet: the worker's seal after
    the commit has not run (in tests the transaction never commits)."""
    register(world, village_clerk)
    rows = list(Record.objects.filter(seq__isnull=True).order_by("id"))
    assert len(rows) >= 3
    return rows


def test_a_writer_only_inserts_and_the_sealer_chains_in_the_order_written(waiting):
    head = ChainHead.objects.get()
    assert all(r.hash == "" and r.prev_hash == "" and r.mac == chain.mac(r) for r in waiting)
    assert chain.seal() == len(waiting)
    sealed = list(Record.objects.filter(pk__in=[r.pk for r in waiting]).order_by("id"))
    assert [r.seq for r in sealed] == list(
        range(head.last_seq + 1, head.last_seq + 1 + len(sealed))
    )
    assert sealed[0].prev_hash == head.last_hash
    assert chain.seal() == 0
    assert chain.verify().ok


def test_a_record_changed_before_it_was_sealed_is_found(waiting):
    victim = waiting[1]
    _sql("UPDATE audit_record SET fields = %s WHERE id = %s", '["phone"]', victim.pk)
    outcome = chain.verify()  # seals first: the changed content is sealed as it is now
    assert not outcome.ok
    assert outcome.broken_seq == Record.objects.get(pk=victim.pk).seq
    assert "改动" in outcome.message


def test_a_record_inserted_before_sealing_without_the_key_is_found(waiting):
    forged = Record(
        at=timezone.now(),
        actor_kind="system",
        actor_system="forger",
        action="update",
        nonce="0" * 16,
    )
    forged.mac = "f" * 64
    forged.save()
    outcome = chain.verify()
    assert not outcome.ok
    assert outcome.broken_seq == Record.objects.get(pk=forged.pk).seq


def test_a_record_without_its_mac_after_the_legacy_ones_is_found(waiting):
    victim = waiting[0]
    _sql("UPDATE audit_record SET action = 'x', mac = '' WHERE id = %s", victim.pk)
    outcome = chain.verify()
    assert not outcome.ok
    assert outcome.broken_seq == Record.objects.get(pk=victim.pk).seq


def test_a_copy_of_a_waiting_record_cannot_be_added(waiting):
    from django.db import IntegrityError, transaction

    copy = Record.objects.get(pk=waiting[0].pk)
    copy.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_a_record_deleted_before_it_was_sealed_leaves_a_hole_in_the_ids(waiting):
    victim = waiting[1]
    _sql("DELETE FROM audit_record WHERE id = %s", victim.pk)
    outcome = chain.verify()
    if connection.vendor == "sqlite":
        assert not outcome.ok
        assert f"{victim.pk}–{victim.pk}" in outcome.message
    else:  # a rolled back write leaves the same hole: counted, proves nothing
        assert outcome.ok and outcome.unused_ids >= 1


def test_the_newest_record_deleted_before_sealing_is_found_on_sqlite(waiting):
    last = waiting[-1]
    _sql("DELETE FROM audit_record WHERE id = %s", last.pk)
    outcome = chain.verify()
    if connection.vendor == "sqlite":
        assert not outcome.ok
        assert f"{last.pk}–{last.pk}" in outcome.message
    else:
        assert outcome.ok


def test_a_sealed_record_put_back_among_the_waiting_is_found(history):
    victim = _middle(history)
    _sql("UPDATE audit_record SET seq = NULL, hash = '', prev_hash = '' WHERE seq = %s", victim.seq)
    outcome = chain.verify()  # the sealer takes it again, at the end: its old place is empty
    assert not outcome.ok
    assert outcome.broken_seq == victim.seq


def test_records_written_before_sealing_existed_verify_without_a_mac(history):
    """The migration marks the chain written until then as legacy: hashed as it always was."""
    prev = ChainHead.objects.get().checkpoint_hash
    for record in Record.objects.order_by("seq"):
        record.nonce = record.mac = ""
        record.prev_hash = prev
        record.hash = chain.digest(record)
        record.save()
        prev = record.hash
    head = ChainHead.objects.get()
    ChainHead.objects.filter(pk=1).update(last_hash=prev, legacy_seq=head.last_seq)
    assert chain.verify().ok
    ChainHead.objects.filter(pk=1).update(legacy_seq=head.last_seq - 1)
    assert chain.verify().broken_seq == head.last_seq


def test_the_tail_check_seals_first(waiting):
    assert chain.verify_tail().ok
    assert not Record.objects.filter(seq__isnull=True).exists()


def test_the_command_seals_first(waiting):
    call_command("audit", "verify")
    assert not Record.objects.filter(seq__isnull=True).exists()
