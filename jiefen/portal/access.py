"""Staff access to the parties' requests: one helper per kind that fetches the request *for
this actor* (its dispute inside the actor's jurisdiction) and answers a request of another
jurisdiction exactly as a missing one, as disputes.access.dispute_for does for a dispute."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiefen.lib.errors import NotFound
from jiefen.org.scope import scope_of
from jiefen.portal.models import EscalationRequest, ReviewRequest

# What a staff page shows of the request's dispute (as dispute_for selects).
DISPUTE = ("dispute", "dispute__holder", "dispute__region", "dispute__category")


def escalations_for(actor: Any) -> QuerySet[EscalationRequest]:
    return scope_of(actor).filter(EscalationRequest.objects.all(), "dispute__region_code")


def escalation_for(actor: Any, pk: Any) -> EscalationRequest:
    """The escalation request `pk` with its dispute, if the actor may see the dispute."""
    try:
        return escalations_for(actor).select_related(*DISPUTE).get(pk=int(pk))
    except (EscalationRequest.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("上移申请不存在或不在您的管辖范围内")) from None


def reviews_for(actor: Any) -> QuerySet[ReviewRequest]:
    return scope_of(actor).filter(ReviewRequest.objects.all(), "dispute__region_code")


def review_for(actor: Any, pk: Any) -> ReviewRequest:
    """The review request `pk` with its dispute, if the actor may see the dispute."""
    try:
        return reviews_for(actor).select_related(*DISPUTE).get(pk=int(pk))
    except (ReviewRequest.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("复核申请不存在或不在您的管辖范围内")) from None
