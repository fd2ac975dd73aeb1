"""What gets recorded: writes with their actor and address, domain actions, reveals, sign-ins —
and never a party's or a staff member's personal values."""

import json

import pytest
from django.contrib.auth import signals as auth_signals
from django.db import transaction
from django.test import RequestFactory

from jiefen.audit import chain
from jiefen.audit.capture import username_digest
from jiefen.audit.context import Actor, acting
from jiefen.audit.middleware import AuditMiddleware
from jiefen.audit.models import Record
from jiefen.disputes.models import Dispute, Party
from jiefen.disputes.services import dispute_accept, dispute_transfer
from jiefen.disputes.tests.conftest import register

PERSONAL = [
    "张三",
    "李四",
    "13812345678",
    "330681199001011237",
    "陈小梅",
    "李卫东",
    "宅基地边界争议",
    "correct horse",
    "两户因院墙位置发生争执",
]


def _through_request(user, view, ip="10.1.2.3", **meta):
    request = RequestFactory().post("/x/", REMOTE_ADDR=ip, **meta)
    request.user = user
    return AuditMiddleware(view)(request)


def _after(seq):
    chain.seal()  # as the writer's process does after each commit
    return list(Record.objects.filter(seq__gt=seq).order_by("seq"))


def _last_seq():
    chain.seal()
    return Record.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_it_records_a_registration_and_a_move_with_actor_and_address(world, village_clerk):
    start = _last_seq()
    box = {}

    def view(request):
        box["dispute"] = register(world, request.user)
        d = box["dispute"]
        dispute_accept(actor=request.user, dispute_id=d.pk, version=d.version)
        dispute_transfer(
            actor=request.user, dispute_id=d.pk, version=d.version + 1, reason="跨村纠纷"
        )
        return None

    _through_request(village_clerk, view)
    records = _after(start)
    dispute = box["dispute"]
    actions = [r.action for r in records if r.model == "event"]
    assert actions == ["register", "accept", "transfer"]
    assert all(r.actor_kind == "user" and r.actor_user_id == village_clerk.pk for r in records)
    assert {r.ip for r in records} == {"10.1.2.3"}
    created = next(r for r in records if r.model == "dispute" and r.action == "create")
    assert created.object_pk == str(dispute.pk)
    assert created.region_code == dispute.region_code
    assert "title" in created.fields
    moved = [r for r in records if r.model == "dispute" and r.action == "update"]
    assert moved and all("status" in r.fields for r in moved)
    transfer = next(r for r in records if r.action == "transfer")
    assert transfer.params == {"dispute": dispute.pk}
    assert [r.seq for r in records] == list(range(start + 1, start + 1 + len(records)))


def test_it_takes_forwarded_for_only_behind_a_trusted_proxy(world, village_clerk, settings):
    start = _last_seq()
    forged = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}
    _through_request(village_clerk, lambda r: register(world, r.user), ip="10.0.0.1", **forged)
    assert {r.ip for r in _after(start)} == {"10.0.0.1"}

    settings.JIEFEN_TRUSTED_PROXIES = 1
    start = _last_seq()
    _through_request(village_clerk, lambda r: register(world, r.user), ip="10.0.0.1", **forged)
    assert {r.ip for r in _after(start)} == {"203.0.113.9"}


def test_it_records_an_update_with_the_changed_field_names_only(world, village_clerk):
    dispute = register(world, village_clerk)
    start = _last_seq()
    dispute = Dispute.objects.get(pk=dispute.pk)
    dispute.title = "新的事由"
    dispute.save()
    (record,) = _after(start)
    assert (record.action, record.fields) == ("update", ["title"])
    assert "新的事由" not in json.dumps([record.fields, record.params], ensure_ascii=False)


def test_a_command_writes_as_the_system_with_its_name(world, village_clerk):
    start = _last_seq()
    with acting(Actor(kind="system", system="deadlines")):
        register(world, village_clerk)
    records = _after(start)
    assert records and {(r.actor_kind, r.actor_system) for r in records} == {
        ("system", "deadlines")
    }


def test_a_reveal_is_recorded_without_the_value(client, world, village_clerk):
    dispute = register(world, village_clerk)
    party = Party.objects.get(dispute=dispute, name="张三")
    client.force_login(village_clerk)
    start = _last_seq()
    response = client.post(
        f"/disputes/{dispute.pk}/parties/{party.pk}/reveal/phone/",
        {"reason": "电话联系当事人 13812345678"},
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()  # shown once, to her
    (reveal,) = [r for r in _after(start) if r.action == "reveal"]
    assert reveal.actor_user_id == village_clerk.pk
    assert reveal.ip == "192.0.2.7"
    assert reveal.fields == ["phone"]
    assert reveal.params == {"dispute": dispute.pk, "party": party.pk}
    assert "13812345678" not in _dump(reveal)


def test_a_rolled_back_write_leaves_no_record_and_no_gap(world, village_clerk):
    start = _last_seq()
    with pytest.raises(RuntimeError), transaction.atomic():
        register(world, village_clerk)
        assert _after(start)  # recorded inside the transaction …
        raise RuntimeError("the writer fails after writing")
    assert _after(start) == []  # … and gone with it
    register(world, village_clerk)
    assert _after(start)[0].seq == start + 1


def test_sign_ins_failures_and_sign_outs_are_recorded(client, world, village_clerk):
    start = _last_seq()
    request = RequestFactory().post("/login/", REMOTE_ADDR="198.51.100.4")
    auth_signals.user_login_failed.send(
        sender=__name__, credentials={"username": "13812345678"}, request=request
    )
    client.force_login(village_clerk)
    client.post("/logout/")
    records = _after(start)
    failed = next(r for r in records if r.action == "login_failed")
    assert failed.ip == "198.51.100.4"
    assert failed.params == {"username_hmac": username_digest("13812345678")}
    assert "13812345678" not in _dump(failed)
    assert any(r.action == "login" and r.actor_user_id == village_clerk.pk for r in records)
    assert any(r.action == "logout" and r.actor_user_id == village_clerk.pk for r in records)


def test_no_personal_value_reaches_any_audit_row(client, world, village_clerk, town_head):
    dispute = register(world, village_clerk)
    party = Party.objects.get(dispute=dispute, name="张三")
    party.phone = "13912345678"
    party.save()
    client.force_login(village_clerk)
    client.post(
        f"/disputes/{dispute.pk}/parties/{party.pk}/reveal/id_number/", {"reason": "核对身份"}
    )
    dispute_accept(actor=village_clerk, dispute_id=dispute.pk, version=dispute.version)
    everything = "\n".join(_dump(r) for r in Record.objects.all())
    assert Record.objects.exists()
    for value in [*PERSONAL, "13912345678", "clerk_fengyi", "核对身份"]:
        assert value not in everything


def _dump(record):
    return json.dumps(
        {f.attname: str(getattr(record, f.attname)) for f in record._meta.concrete_fields},
        ensure_ascii=False,
    ) + json.dumps([record.fields, record.params], ensure_ascii=False)


def test_a_lockout_is_recorded_with_a_keyed_hash_of_the_name(world, village_clerk):
    from axes.signals import user_locked_out

    start = _last_seq()
    request = RequestFactory().post("/login/", REMOTE_ADDR="198.51.100.5")
    user_locked_out.send(
        sender="axes", request=request, username="clerk_fengyi", ip_address="198.51.100.5"
    )
    (record,) = _after(start)
    assert record.action == "locked_out" and record.ip == "198.51.100.5"
    assert record.params == {"username_hmac": username_digest("clerk_fengyi")}
    assert username_digest("clerk_fengyi") != username_digest("clerk_yongan")


def test_second_factor_devices_added_and_removed_are_recorded(world, village_clerk):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    start = _last_seq()
    device = TOTPDevice.objects.create(user=village_clerk, name="phone", confirmed=True)
    secret = device.key
    device_pk = device.pk
    device.delete()
    records = [r for r in _after(start) if r.model == "totpdevice"]
    assert [r.action for r in records] == ["2fa_device_add", "2fa_device_remove"]
    assert all(r.params == {"user": village_clerk.pk} for r in records)
    assert records[0].object_pk == str(device_pk)
    assert "key" in records[0].fields and secret not in _dump(records[0])


def test_a_background_task_writes_as_the_system_with_the_task_name(world, village_clerk):
    from types import SimpleNamespace

    from django_tasks.signals import task_finished, task_started

    result = SimpleNamespace(
        id="t-1",
        status="RUNNING",
        task=SimpleNamespace(module_path="jiefen.x.tasks.sweep", name="sweep"),
    )
    start = _last_seq()
    task_started.send(sender=object, task_result=result)
    try:
        register(world, village_clerk)
    finally:
        result.status = "SUCCESSFUL"
        task_finished.send(sender=object, task_result=result)
    records = _after(start)
    assert records and {r.actor_system for r in records} == {"task:jiefen.x.tasks.sweep"}
    start = _last_seq()
    register(world, village_clerk)
    assert "task:" not in _after(start)[0].actor_system
