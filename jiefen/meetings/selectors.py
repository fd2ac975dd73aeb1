"""Reads for the meeting pages: the meeting list filtered by body and kind, and the live state of
the disputes an agenda lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet

from jiefen.disputes.access import disputes_for
from jiefen.meetings import services
from jiefen.meetings.access import meetings_for
from jiefen.meetings.models import Meeting
from jiefen.org.models import Body, Membership
from jiefen.org.scope import scope_of

ALL = "all"


@dataclass
class MeetingFilter:
    """What the meeting list shows: the bodies picked (none: every body in reach), the kind
    (town_centre for the half-monthly analysis meetings, county_meeting for the joint ones) and
    whether the list fell back on the actor's own bodies."""

    bodies: list[Body] = field(default_factory=list)
    kind: str = ""
    own: bool = False


def meeting_bodies(actor: Any) -> QuerySet[Body]:
    """The bodies holding meetings inside the actor's jurisdiction, by kind then region."""
    qs = Body.objects.filter(kind__in=services.MEETING_KINDS, active=True).select_related("region")
    return scope_of(actor).filter(qs).order_by("-kind", "region_code", "name")


def own_meeting_bodies(actor: Any) -> list[Body]:
    """The meeting bodies the actor holds a role in: where their own meetings are held."""
    if not getattr(actor, "is_authenticated", False):
        return []
    ids = Membership.objects.filter(
        user=actor, body__active=True, body__kind__in=services.MEETING_KINDS
    ).values("body_id")
    return list(meeting_bodies(actor).filter(pk__in=ids))


def meeting_filter(actor: Any, params: Any) -> MeetingFilter:
    """Read `body` (a body's id, or "all") and `kind` from the query string. With no `body`,
    the list shows the actor's own meeting bodies, so that a county officer sees the county's
    monthly joint meeting and not every town's half-monthly one."""
    kind = params.get("kind") or ""
    if kind not in services.MEETING_KINDS:
        kind = ""
    wanted = params.get("body") or ""
    if wanted == ALL:
        return MeetingFilter(kind=kind)
    if wanted:
        try:
            body = meeting_bodies(actor).get(pk=int(wanted))
        except (Body.DoesNotExist, ValueError):
            return MeetingFilter(kind=kind)
        return MeetingFilter(bodies=[body], kind=kind)
    own = own_meeting_bodies(actor)
    if kind:
        own = [b for b in own if b.kind == kind]
    return MeetingFilter(bodies=own, kind=kind, own=bool(own))


def meetings_listed(actor: Any, chosen: MeetingFilter, *, since: date) -> list[Meeting]:
    qs = meetings_for(actor).filter(date__gte=since)
    if chosen.bodies:
        qs = qs.filter(body__in=[b.pk for b in chosen.bodies])
    if chosen.kind:
        qs = qs.filter(body__kind=chosen.kind)
    return list(qs.order_by("date", "id")[:100])


LIVE_FIELDS = ("status", "holder", "due")


def agenda_live(actor: Any, agenda: dict[str, Any]) -> dict[str, Any]:
    """The agenda with each listed dispute's state, holder and time limit as they are now
    (one query over at most a few score disputes), and `changed` set on those that moved since
    the agenda was built, so that an agenda opened between two rebuilds never shows a stale
    state. A dispute the reader may no longer see keeps what the agenda recorded."""
    from jiefen.meetings.agenda import agenda_dispute_ids

    ids = agenda_dispute_ids(agenda)
    if not ids:
        return agenda
    now = {
        row["pk"]: row
        for row in disputes_for(actor)
        .filter(pk__in=ids)
        .values("pk", "status", "holder__name", "due_date")
    }
    sections = {}
    for key, section in (agenda.get("sections") or {}).items():
        items = []
        for item in section.get("items", []):
            row = now.get(item["id"])
            if row is not None:
                live = {
                    "status": row["status"],
                    "holder": row["holder__name"],
                    "due": row["due_date"].isoformat() if row["due_date"] else None,
                }
                changed = any(item.get(k) != live[k] for k in LIVE_FIELDS)
                item = {**item, **live, "changed": changed, "was_status": item.get("status")}
            items.append(item)
        sections[key] = {**section, "items": items}
    return {**agenda, "sections": sections}
