"""Writes: opening the shared thread, a message from staff or from a party, and blanking
messages when the parties are anonymised.

A message is written under the dispute's row lock, so a dispute closed meanwhile refuses it;
nothing is kept half-way: a file stored before a failed insert is removed again. Messages are
never edited or deleted.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.attachments.names import display_name
from jiefen.attachments.services import read_checked
from jiefen.attachments.storage import random_name, upload_storage
from jiefen.conversations.access import ANSWER_ROLES, may_answer
from jiefen.conversations.models import BODY_MAX, Message, Thread
from jiefen.disputes import services as dispute_services
from jiefen.disputes.models import Dispute, Party
from jiefen.lib.errors import Forbidden, IllegalMove, Invalid, NotFound, text_valid

log = logging.getLogger(__name__)

NOTIFY_MESSAGE = "party_message"


def _closed() -> IllegalMove:
    return IllegalMove(_("该纠纷已办结、不予受理或已结案，不能再发送消息。"))


def _checked(body: Any, upload: Any) -> tuple[str, tuple[bytes, Any, str] | None]:
    """The text and the file's (bytes, kind, name as sent), or Invalid on its field (the
    attachments' own checks: size limit, kind decided from the content)."""
    text = text_valid(
        body,
        field="body",
        limit=BODY_MAX,
        required=upload is None,
        empty=_("请输入消息内容"),
        counted=True,
    )
    if upload is None:
        return text, None
    data, kind = read_checked(upload)
    return text, (data, kind, getattr(upload, "name", "") or "")


def shared_thread_open(*, actor: Any, dispute_id: Any, at: datetime | None = None) -> Thread:
    """The mediator opens the thread all parties share (once; again is the same thread)."""
    now = at or timezone.now()
    with transaction.atomic():
        dispute = dispute_services.dispute_lock(dispute_id, actor=actor)
        if not may_answer(actor, dispute):
            raise Forbidden(_("只有承办主体的工作人员可以开启共同会话"))
        if not dispute.is_open:
            raise _closed()
        thread, _new = Thread.objects.get_or_create(
            dispute=dispute, party=None, defaults={"opened_at": now, "opened_by": actor}
        )
    return thread


def message_from_staff(
    *,
    actor: Any,
    dispute_id: Any,
    party_id: Any = None,
    body: Any,
    upload: Any = None,
    at: datetime | None = None,
) -> Message:
    """A message from staff of the holding body: to one party's private thread (`party_id`), or
    to the shared thread (no `party_id`), which must have been opened."""
    text, file = _checked(body, upload)
    now = at or timezone.now()
    with transaction.atomic():
        dispute = dispute_services.dispute_lock(dispute_id, actor=actor)
        if not may_answer(actor, dispute):
            raise Forbidden(_("只有承办主体的工作人员可以答复当事人"))
        if not dispute.is_open:
            raise _closed()
        if party_id is None:
            thread = Thread.objects.filter(dispute=dispute, party__isnull=True).first()
            if thread is None:
                raise IllegalMove(_("共同会话尚未开启，请先开启"))
            party = None
        else:
            party = _party_of(dispute, party_id)
            thread, _new = Thread.objects.get_or_create(
                dispute=dispute, party=party, defaults={"opened_at": now, "opened_by": actor}
            )
        return _write(thread, dispute, party=party, author=actor, text=text, file=file, now=now)


def message_from_party(
    *,
    dispute: Dispute,
    party: Party,
    shared: bool,
    body: Any,
    upload: Any = None,
    at: datetime | None = None,
) -> Message:
    """A message from a proved party: to the shared thread (once opened) or to their own
    private thread with the mediators. The holding body's staff are told."""
    text, file = _checked(body, upload)
    now = at or timezone.now()
    with transaction.atomic():
        locked = dispute_services.dispute_lock(dispute.pk)
        if party.dispute_id != locked.pk or party.anonymised_at is not None:
            raise NotFound(_("当事人不存在"))
        if not locked.is_open:
            raise _closed()
        if shared:
            thread = Thread.objects.filter(dispute=locked, party__isnull=True).first()
            if thread is None:
                raise IllegalMove(_("共同会话尚未由调解员开启，暂不能发送"))
        else:
            thread, _new = Thread.objects.get_or_create(
                dispute=locked, party=party, defaults={"opened_at": now}
            )
        message = _write(thread, locked, party=party, author=None, text=text, file=file, now=now)
        _notify_staff(locked, message, now)
    return message


def _party_of(dispute: Dispute, party_id: Any) -> Party:
    from jiefen.disputes.reads import parties_of

    try:
        party = parties_of(dispute).filter(pk=int(party_id)).first()
    except (TypeError, ValueError):
        party = None
    if party is None:
        raise NotFound(_("当事人不存在"))
    if party.anonymised_at is not None:
        raise Invalid(_("该当事人的信息已匿名化，不能再发送消息"))
    return party


def _write(
    thread: Thread,
    dispute: Dispute,
    *,
    party: Party | None,
    author: Any,
    text: str,
    file: tuple[bytes, Any, str] | None,
    now: datetime,
) -> Message:
    values: dict[str, Any] = {}
    stored = ""
    storage = upload_storage()
    if file is not None:
        data, kind, upload_name = file
        stored = storage.save(random_name(), ContentFile(data))
        values = {
            "file_name": display_name(upload_name, kind),
            "file_kind": kind.key,
            "file_size": len(data),
            "file_sha256": hashlib.sha256(data).hexdigest(),
            "file_stored": stored,
        }
    try:
        with transaction.atomic():
            message = Message.objects.create(
                thread=thread,
                dispute=dispute,
                shared=thread.party_id is None,
                party=party,
                author=author,
                body=text,
                written_at=now,
                **values,
            )
    except BaseException:
        if stored:
            storage.delete(stored)
        raise
    log.info("message written", extra={"message_id": message.pk, "dispute": dispute.pk})
    return message


def _notify_staff(dispute: Dispute, message: Message, now: datetime) -> None:
    from jiefen.org.models import Membership
    from jiefen.supervision.notifications import notify

    staff = Membership.objects.filter(
        body_id=dispute.holder_id, role__in=ANSWER_ROLES, user__is_active=True
    ).values_list("user_id", flat=True)
    # Never the text: a notification may go out by e-mail, and the text is the party's.
    notify(
        recipients=list(staff),
        kind=NOTIFY_MESSAGE,
        dispute=dispute,
        key=f"m{message.pk}",
        params={"number": dispute.number},
        at=now,
    )


def messages_blank(*, dispute: Dispute, party_ids: list[int], now: datetime) -> int:
    """The dispute's parties are anonymised: the text of every message with them (their
    private threads both ways, what they wrote in the shared thread) and of the mediators'
    messages to all of them is blanked, and the time recorded. The rows stay: who wrote
    when, and a file's kind and size. Returns how many were blanked; call inside the
    anonymising transaction."""
    from django.db.models import Q

    rows = Message.objects.filter(dispute=dispute, blanked_at__isnull=True).filter(
        Q(party_id__in=party_ids) | Q(party__isnull=True)
    )
    pks = list(rows.values_list("pk", flat=True))
    if not pks:
        return 0
    # Row by row: the text is encrypted by the field, an update() would write it in clear.
    for message in Message.objects.filter(pk__in=pks):
        message.body = None  # type: ignore[assignment]
        message.file_name = ""
        message.blanked_at = now
        message.save(update_fields=["body", "file_name", "blanked_at"])  # audited by its signal
    return len(pks)
