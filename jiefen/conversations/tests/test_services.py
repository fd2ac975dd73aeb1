"""Writing messages: who may, where, and what is refused with nothing saved."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiefen.conversations import services
from jiefen.conversations.models import Message, Thread
from jiefen.disputes.models import Dispute
from jiefen.lib.errors import Forbidden, IllegalMove, Invalid, NotFound
from jiefen.supervision.models import Notification


def test_wang_wu_writes_to_his_mediator_and_the_holding_body_is_told(
    dispute, wang_wu, village_clerk
):
    message = services.message_from_party(
        dispute=dispute, party=wang_wu, shared=False, body="院墙的事想请调解员来看一下"
    )
    assert message.thread.party == wang_wu and not message.shared
    assert message.party == wang_wu and message.author is None
    assert Message.objects.get(pk=message.pk).body == "院墙的事想请调解员来看一下"
    note = Notification.objects.get(kind=services.NOTIFY_MESSAGE, recipient=village_clerk)
    assert note.dispute_id == dispute.pk
    assert "院墙" not in str(note.params)


def test_the_text_is_encrypted_at_rest(dispute, wang_wu):
    from django.db import connection

    message = services.message_from_party(
        dispute=dispute, party=wang_wu, shared=False, body="我的电话是13900001111"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM conversations_message WHERE id = %s", [message.pk])
        stored = cursor.fetchone()[0]
    assert "13900001111" not in stored and "电话" not in stored


def test_the_mediator_opens_the_shared_thread_and_only_then_parties_write_in_it(
    dispute, wang_wu, village_clerk
):
    with pytest.raises(IllegalMove):
        services.message_from_party(dispute=dispute, party=wang_wu, shared=True, body="大家好")
    assert not Message.objects.exists()
    with pytest.raises(IllegalMove):
        services.message_from_staff(actor=village_clerk, dispute_id=dispute.pk, body="各位好")
    thread = services.shared_thread_open(actor=village_clerk, dispute_id=dispute.pk)
    assert services.shared_thread_open(actor=village_clerk, dispute_id=dispute.pk) == thread
    services.message_from_staff(actor=village_clerk, dispute_id=dispute.pk, body="各位好")
    said = services.message_from_party(dispute=dispute, party=wang_wu, shared=True, body="好的")
    assert said.shared and said.thread == thread and said.party == wang_wu


def test_staff_outside_the_holding_body_may_not_write(dispute, wang_wu, county_officer, town_head):
    for actor in (county_officer, town_head):
        with pytest.raises(Forbidden):
            services.shared_thread_open(actor=actor, dispute_id=dispute.pk)
        with pytest.raises(Forbidden):
            services.message_from_staff(
                actor=actor, dispute_id=dispute.pk, party_id=wang_wu.pk, body="你好"
            )
    assert not Thread.objects.exists()


def test_a_clerk_of_another_village_is_told_the_dispute_does_not_exist(
    dispute, wang_wu, other_village_clerk
):
    with pytest.raises(NotFound):
        services.message_from_staff(
            actor=other_village_clerk, dispute_id=dispute.pk, party_id=wang_wu.pk, body="你好"
        )


def test_a_party_of_another_dispute_is_refused(dispute, wang_wu, village_clerk):
    with pytest.raises(NotFound):
        services.message_from_staff(
            actor=village_clerk, dispute_id=dispute.pk, party_id=987654, body="你好"
        )


@pytest.mark.parametrize("status", ["resolved", "declined", "closed", "visited"])
def test_a_finished_dispute_takes_no_message(dispute, wang_wu, village_clerk, status):
    services.shared_thread_open(actor=village_clerk, dispute_id=dispute.pk)
    Dispute.objects.filter(pk=dispute.pk).update(status=status)
    dispute.status = status
    with pytest.raises(IllegalMove) as refused:
        services.message_from_party(dispute=dispute, party=wang_wu, shared=False, body="还在吗")
    assert "不能再发送消息" in str(refused.value.message)
    with pytest.raises(IllegalMove):
        services.message_from_staff(
            actor=village_clerk, dispute_id=dispute.pk, party_id=wang_wu.pk, body="在"
        )
    assert not Message.objects.exists()


@pytest.mark.parametrize("body", ["", "   ", "\u200b", "字" * 2001])
def test_an_empty_or_too_long_message_is_refused_on_its_field(dispute, wang_wu, body):
    with pytest.raises(Invalid) as refused:
        services.message_from_party(dispute=dispute, party=wang_wu, shared=False, body=body)
    assert "body" in refused.value.fields
    assert not Message.objects.exists() and not Thread.objects.exists()


def test_two_thousand_characters_are_accepted(dispute, wang_wu):
    services.message_from_party(dispute=dispute, party=wang_wu, shared=False, body="字" * 2000)


def test_a_party_attaches_a_photo_checked_by_its_content(dispute, wang_wu, settings):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
    message = services.message_from_party(
        dispute=dispute,
        party=wang_wu,
        shared=False,
        body="照片",
        upload=SimpleUploadedFile("墙.png", png),
    )
    assert message.file_kind == "png" and message.file_size == len(png)
    assert (settings.JIEFEN_UPLOAD_ROOT / message.file_stored).read_bytes() == png


def test_a_file_not_allowed_or_too_large_is_refused_and_nothing_is_kept(dispute, wang_wu, settings):
    from jiefen.attachments.services import Refused

    settings.JIEFEN_UPLOAD_MAX_BYTES = 100
    for upload in (
        SimpleUploadedFile("x.html", b"<html><script>alert(1)</script></html>"),
        SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 200),
    ):
        with pytest.raises(Refused):
            services.message_from_party(
                dispute=dispute, party=wang_wu, shared=False, body="看", upload=upload
            )
    assert not Message.objects.exists()
    root = settings.JIEFEN_UPLOAD_ROOT
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def test_a_message_is_never_edited_or_deleted_through_the_services():
    assert not [name for name in dir(services) if name.endswith(("_edit", "_delete", "_update"))]
