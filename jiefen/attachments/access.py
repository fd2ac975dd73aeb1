"""Attachments for this actor: fetched through the dispute (disputes.access.dispute_for), so an
attachment of a dispute in another jurisdiction is answered exactly as a missing one."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet
from django.utils.translation import gettext as _

from jiefen.attachments.models import Attachment
from jiefen.disputes.access import dispute_for
from jiefen.disputes.models import Dispute
from jiefen.lib.errors import NotFound


def attachments_of(dispute: Dispute | OuterRef) -> QuerySet[Attachment]:
    """Listed attachments (not withdrawn) of a dispute already fetched through dispute_for (or
    of the outer query's dispute, for the dispute page's read)."""
    return Attachment.objects.filter(
        dispute=dispute,  # type: ignore[misc]  # an OuterRef is a valid value
        withdrawn_at__isnull=True,
    ).select_related("uploaded_by")


def attachment_for(actor: Any, dispute_id: Any, pk: Any) -> tuple[Dispute, Attachment]:
    """The listed attachment `pk` of dispute `dispute_id` if the actor may see the dispute;
    NotFound otherwise — the same for another jurisdiction, a wrong pair, a withdrawn file."""
    dispute = dispute_for(actor, dispute_id)
    try:
        return dispute, attachments_of(dispute).get(pk=int(pk))
    except (Attachment.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("材料不存在或已撤回")) from None
