"""Reads of leaders' reception days: the days and bookings a person may see, the public page's
days with their free slots, who may receive at a day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet

from jiefen.disputes.access import roles_by_body
from jiefen.org.models import Body, Role
from jiefen.receptions.models import BookingStatus, ReceptionDay, ReceptionSlot

PUBLISHING_ROLES = frozenset({Role.LEADER, Role.HEAD, Role.CLERK})
RECEIVING_ROLES = frozenset({Role.LEADER, Role.HEAD})
BOOK_AHEAD_DAYS = 60


def public_days(today: date, region_code: int | None = None) -> QuerySet[ReceptionDay]:
    """Published reception days from today on, with their free slots, for the public page."""
    qs = ReceptionDay.objects.filter(
        date__gte=today, date__lte=today + timedelta(days=BOOK_AHEAD_DAYS), cancelled=False
    )
    if region_code is not None:
        qs = qs.filter(region_code=region_code)
    return (
        qs.select_related("body", "leader")
        .annotate(
            slot_count=Count("slots", distinct=True),
            taken=Count(
                "slots__bookings",
                filter=~Q(slots__bookings__status=BookingStatus.CANCELLED),
                distinct=True,
            ),
        )
        .order_by("date", "starts_at", "id")
    )


def free_slots(day: ReceptionDay) -> list[ReceptionSlot]:
    return list(
        day.slots.exclude(bookings__status__in=[BookingStatus.BOOKED, BookingStatus.HELD]).order_by(
            "starts_at"
        )
    )


def leaders_of(body: Body) -> QuerySet[Any]:
    from jiefen.accounts.models import User

    return User.objects.filter(
        is_active=True,
        memberships__body=body,
        memberships__role__in=list(RECEIVING_ROLES),
    ).distinct()


def may_receive(actor: Any, day: ReceptionDay) -> bool:
    """Whether the actor may record or cancel at the day: its leader or its body's staff."""
    if actor.is_superuser or actor.pk == day.leader_id:
        return True
    return bool(roles_by_body(actor).get(day.body_id, set()) & PUBLISHING_ROLES)
