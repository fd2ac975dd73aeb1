"""{% appointments_panel dispute %}: the proposed session times on the dispute page (one query);
{% party_appointments dispute %}: the same for the party in the portal."""

from __future__ import annotations

from typing import Any

from django import template

from jiefen.appointments.forms import OTHER, ProposeForm
from jiefen.appointments.models import Appointment
from jiefen.appointments.selectors import rounds_of
from jiefen.appointments.services import PROPOSE, may_arrange, room_url

register = template.Library()


def _video() -> bool:
    return room_url(Appointment(room_secret="x")) != ""


@register.inclusion_tag("appointments/_panel_body.html", takes_context=True)
def appointments_panel(context: template.Context, dispute: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"hidden": True}
    arranging = may_arrange(user, dispute) and dispute.is_open
    # The page has read the whole history already: a dispute never given times costs no query.
    proposed = any(event.action == PROPOSE for event in dispute.events.all())
    return {
        "dispute": dispute,
        "rounds": rounds_of(dispute, list(dispute.parties.all())) if proposed else [],
        "may_arrange": may_arrange(user, dispute),
        "form": context.get("appointments_form") or (ProposeForm() if arranging else None),
        "arranging": arranging,
        "video": _video(),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.inclusion_tag("appointments/_party_body.html", takes_context=True)
def party_appointments(context: template.Context, dispute: Any) -> dict[str, Any]:
    from jiefen.portal.identity import current_party

    request = context.get("request")
    rounds = rounds_of(dispute)
    party = current_party(request, dispute) if request is not None and rounds else None
    for round_ in rounds:
        round_.mine = round_.answers.get(party.pk) if party else None  # type: ignore[attr-defined]
    return {
        "dispute": dispute,
        "rounds": rounds,
        "party": party,
        "other": OTHER,
        "video": _video(),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
