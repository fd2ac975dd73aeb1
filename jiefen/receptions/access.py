"""Reception days and bookings for this actor: one helper per object type that fetches it *for
this actor* (its day's region inside the actor's jurisdiction) and answers one of another
jurisdiction exactly as a missing one, as disputes.access.dispute_for does for a dispute."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiefen.lib.errors import NotFound
from jiefen.org.scope import scope_of
from jiefen.receptions.models import ReceptionBooking, ReceptionDay


def days_for(actor: Any) -> QuerySet[ReceptionDay]:
    return scope_of(actor).filter(
        ReceptionDay.objects.select_related("body", "leader"), "region_code"
    )


def day_for(actor: Any, pk: Any) -> ReceptionDay:
    try:
        return days_for(actor).get(pk=int(pk))
    except (ReceptionDay.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("接访安排不存在或不在您的管辖范围内")) from None


def bookings_for(actor: Any) -> QuerySet[ReceptionBooking]:
    """Bookings of reception days inside the actor's jurisdiction."""
    return scope_of(actor).filter(ReceptionBooking.objects.all(), "slot__day__region_code")


def booking_for(actor: Any, pk: Any) -> ReceptionBooking:
    """The booking `pk` with its slot, day, body and region, if the actor may see its day;
    NotFound otherwise — the same answer as for a booking that does not exist."""
    try:
        return (
            bookings_for(actor)
            .select_related("slot__day__body__region", "slot__day__leader")
            .get(pk=int(pk))
        )
    except (ReceptionBooking.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("预约不存在或不在您的管辖范围内")) from None
