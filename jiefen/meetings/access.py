"""Meetings and circulars for this actor: one helper per object type that fetches it *for this
actor* (its body's region inside the actor's jurisdiction) and answers one of another
jurisdiction exactly as a missing one, as disputes.access.dispute_for does for a dispute."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiefen.lib.errors import NotFound
from jiefen.meetings.models import Circular, Meeting
from jiefen.org.scope import scope_of
from jiefen.regions.models import Level, Region


def meetings_for(actor: Any) -> Any:
    """Meetings of bodies inside the actor's jurisdiction."""
    return scope_of(actor).filter(
        Meeting.objects.select_related("body", "body__region"), "body__region_code"
    )


def meeting_for(actor: Any, pk: Any, *, for_update: bool = False) -> Meeting:
    """The meeting `pk` if it lies in the actor's jurisdiction; NotFound otherwise."""
    try:
        pk = int(pk)
        if for_update:
            # Visible first, then locked alone: locking through the jurisdiction's join would
            # lock the body row too.
            meetings_for(actor).values_list("pk", flat=True).get(pk=pk)
            Meeting.objects.select_for_update().values_list("pk", flat=True).get(pk=pk)
        return meetings_for(actor).get(pk=pk)
    except (Meeting.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("会议不存在或不在您的管辖范围内")) from None


def circulars_for(actor: Any) -> QuerySet[Circular]:
    return (
        scope_of(actor)
        .filter(Circular.objects.select_related("body"), "region_code")
        .defer("docx", "xlsx", "figures")
    )


def circular_for(actor: Any, pk: Any) -> Circular:
    """The circular `pk` if its region lies in the actor's jurisdiction; NotFound otherwise."""
    try:
        return (
            scope_of(actor)
            .filter(Circular.objects.select_related("body"), "region_code")
            .get(pk=int(pk))
        )
    except (Circular.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("通报不存在或不在您的管辖范围内")) from None


def screening_region_for(actor: Any, code: Any) -> Region:
    """The town or wider region `code` whose screening returns the actor follows, if it lies in
    the actor's jurisdiction; NotFound otherwise, as for a code that does not exist."""
    try:
        return (
            scope_of(actor)
            .filter(Region.objects.filter(level__lte=Level.TOWN), "code")
            .get(code=int(code))
        )
    except (Region.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("区划不存在或不在您的管辖范围内")) from None
