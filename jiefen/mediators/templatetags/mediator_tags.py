"""`{% party_mediators dispute %}`: on the party's portal page, the mediators on the dispute,
the party's requests about them with their deadlines and answers, and the form to ask for a
particular mediator of the body or for a change."""

from typing import Any

from django import template

from jiefen.mediators.models import Assignment, Mediator, MediatorRequest

register = template.Library()


@register.inclusion_tag("mediators/_party_panel.html", takes_context=True)
def party_mediators(context: Any, dispute: Any) -> dict[str, Any]:
    current = list(
        Assignment.objects.filter(dispute=dispute, ended_at__isnull=True)
        .select_related("mediator")
        .order_by("assigned_at", "pk")
    )
    on = {a.mediator_id for a in current}
    offered = [
        m
        for m in Mediator.objects.filter(bodies=dispute.holder_id, active=True).order_by(
            "name", "pk"
        )[:100]
        if m.pk not in on
    ]
    asked = MediatorRequest.objects.filter(dispute=dispute).order_by("-made_at", "-pk")[:20]
    return {
        "dispute": dispute,
        "current": current,
        "offered": offered,
        "asked": asked,
        "form_error": context.get("mediator_error", ""),
        "csrf_token": context.get("csrf_token"),
    }
