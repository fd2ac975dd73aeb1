"""Who is asking about a proposed session time: staff through the disputes' access helper, a
party through the portal (the dispute opened with its number and query code, and the party
proved by a one-time SMS code: jiefen.portal.identity)."""

from __future__ import annotations

import hmac
from typing import Any

from django.http import Http404, HttpRequest

from jiefen.appointments.models import Appointment
from jiefen.disputes.access import dispute_for
from jiefen.disputes.models import Dispute, Party
from jiefen.disputes.reads import dispute_find
from jiefen.lib.errors import NotFound
from jiefen.portal import guard
from jiefen.portal.identity import current_party


def followed(request: HttpRequest) -> Dispute | None:
    """The dispute this browser opened with its number and query code, or None."""
    remembered = guard.followed(request)
    if remembered is None:
        return None
    pk, digest = remembered
    dispute = dispute_find(pk, related=["holder", "region"])
    if dispute is None or not dispute.query_digest:
        return None
    if not hmac.compare_digest(dispute.query_digest[:16], digest):
        return None
    return dispute


def public_appointment(request: HttpRequest, pk: Any) -> tuple[Appointment, Dispute, Party | None]:
    """The appointment of the dispute this browser follows, and the party it proved to be;
    404 for any other, exactly as for one that does not exist."""
    dispute = followed(request)
    if dispute is None:
        raise Http404
    appointment = (
        Appointment.objects.filter(pk=pk, dispute_id=dispute.pk)
        .select_related("chosen", "proposed_by")
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment, dispute, current_party(request, dispute)


def staff_appointment(request: HttpRequest, pk: Any) -> tuple[Appointment, Dispute]:
    """The appointment for a member of staff whose jurisdiction covers its dispute; 404
    otherwise."""
    appointment = Appointment.objects.filter(pk=pk).select_related("chosen").first()
    if appointment is None:
        raise Http404
    try:
        dispute = dispute_for(request.user, appointment.dispute_id)
    except NotFound:
        raise Http404 from None
    return appointment, dispute
