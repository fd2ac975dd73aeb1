"""{% supervision_panel dispute %}: the supervision section of a dispute page, computed for
the signed-in user; and the words for supervision events in a dispute's timeline."""

from typing import Any

from django import template

from jiefen.supervision import events
from jiefen.supervision.selectors import panel_for

register = template.Library()


@register.inclusion_tag("supervision/_dispute_panel.html", takes_context=True)
def supervision_panel(context: template.Context, dispute: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"hidden": True}
    # A form of this section sent back with errors (supervision.views._act): its name, what
    # was typed and the problems, so that the hand-written form opens again as it was left.
    bound = context.get("supervision_bound") or {}
    form = bound.get("form")
    return panel_for(user, dispute) | {
        "csrf_token": context.get("csrf_token"),
        "request": request,
        "bound_name": bound.get("name", ""),
        "typed": {bound["name"]: form.data} if form is not None else {},
        "errors": {bound["name"]: form.errors} if form is not None else {},
        "typed_here": form.data if form is not None else {},
        "errors_here": form.errors if form is not None else {},
    }


@register.filter
def supervision_event_label(action: str) -> str:
    label = events.EVENT_LABELS.get(action)
    return str(label) if label is not None else action


@register.filter
def supervision_event_detail(event: Any) -> str:
    return events.event_detail(event.action, event.params or {})
