"""Writes: attaching evidence to a dispute and withdrawing it.

Every write fetches the dispute through jiefen.disputes.access: a dispute outside the actor's
jurisdiction is NotFound, the same as one that does not exist. Nothing is stored unless the
whole upload is accepted; a file written before a failed row insert is removed again.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.attachments import kinds
from jiefen.attachments.models import Attachment
from jiefen.attachments.names import display_name
from jiefen.attachments.storage import max_bytes, random_name, upload_storage
from jiefen.disputes.access import dispute_for, roles_by_body
from jiefen.disputes.models import Dispute
from jiefen.lib.errors import Forbidden, Invalid, NotFound
from jiefen.org.models import Role

log = logging.getLogger(__name__)

STAFF_ROLES = frozenset({Role.CLERK, Role.MEDIATOR, Role.HEAD})


class Refused(Invalid):
    """The file itself was refused (too large, or not an accepted kind)."""


def may_attach(actor: Any, dispute: Dispute) -> bool:
    """Staff of the body holding the dispute attach evidence to it."""
    if not getattr(actor, "is_active", False):
        return False
    if actor.is_superuser:
        return True
    return bool(roles_by_body(actor).get(dispute.holder_id, set()) & STAFF_ROLES)


def may_withdraw(actor: Any, attachment: Attachment, dispute: Dispute) -> bool:
    """The uploader, or the head of the body holding the dispute."""
    if not getattr(actor, "is_active", False) or attachment.withdrawn_at is not None:
        return False
    if actor.is_superuser or attachment.uploaded_by_id == actor.pk:
        return True
    return Role.HEAD in roles_by_body(actor).get(dispute.holder_id, set())


def size_limit_message() -> str:
    return _("文件过大：每个文件不能超过 %(mb)s MB。") % {"mb": _megabytes(max_bytes())}


def kind_refused_message() -> str:
    return _("无法接受此文件：仅允许上传 %(kinds)s。文件类型按内容判断，与文件名无关。") % {
        "kinds": kinds.allowed_labels()
    }


def _megabytes(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def read_checked(upload: Any) -> tuple[bytes, kinds.Kind]:
    """The upload's bytes and kind, or Refused. Reads no more than the limit allows."""
    limit = max_bytes()
    if upload is None:
        raise Refused(_("请选择要上传的文件。"))
    if upload.size is not None and upload.size > limit:
        raise Refused(size_limit_message())
    chunks: list[bytes] = []
    total = 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > limit:
            raise Refused(size_limit_message())
        chunks.append(chunk)
    data = b"".join(chunks)
    kind = kinds.kind_of(data)
    if kind is None:
        raise Refused(kind_refused_message())
    return data, kind


def attachment_add(*, actor: Any, dispute_id: Any, upload: Any, description: str) -> Attachment:
    dispute = dispute_for(actor, dispute_id)
    if not may_attach(actor, dispute):
        raise Forbidden(_("只有承办主体的工作人员可以上传证据材料"))
    description = (description or "").strip()
    if not description:
        raise Invalid(_("请简要说明这份材料证明什么。"), fields={"description": [_("必填")]})
    data, kind = read_checked(upload)
    storage = upload_storage()
    name = random_name()
    stored = storage.save(name, ContentFile(data))
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                dispute=dispute,
                display_name=display_name(getattr(upload, "name", ""), kind),
                description=description[:200],
                kind=kind.key,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                stored_name=stored,
                uploaded_by=actor,
                uploaded_at=timezone.now(),
            )
    except BaseException:
        storage.delete(stored)
        raise
    log.info("attachment added", extra={"attachment": attachment.pk, "dispute": dispute.pk})
    return attachment


def attachment_withdraw(
    *, actor: Any, dispute_id: Any, attachment_id: Any, reason: str
) -> Attachment:
    """Soft: the row and the file stay for the audit; the attachment is no longer listed."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("撤回证据材料必须说明理由"), fields={"reason": [_("必填")]})
    with transaction.atomic():
        dispute = dispute_for(actor, dispute_id)
        try:
            attachment = (
                Attachment.objects.select_for_update()
                .filter(dispute=dispute, withdrawn_at__isnull=True)
                .get(pk=int(attachment_id))
            )
        except (Attachment.DoesNotExist, TypeError, ValueError):
            raise NotFound(_("材料不存在或已撤回")) from None
        if not may_withdraw(actor, attachment, dispute):
            raise Forbidden(_("只有上传人或承办主体负责人可以撤回证据材料"))
        attachment.withdrawn_at = timezone.now()
        attachment.withdrawn_by = actor
        attachment.withdraw_reason = reason[:200]
        attachment.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    log.info("attachment withdrawn", extra={"attachment": attachment.pk, "dispute": dispute.pk})
    return attachment
