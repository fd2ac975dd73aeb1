"""{% conversations_panel dispute parties %}: the parties' threads on the dispute page (read
with the dispute: conversations.selectors); {% conversations_portal dispute %}: what happens
next and the threads on the party's page."""

from typing import Any

from django import template

from jiefen.conversations import access, selectors
from jiefen.conversations.forms import MessageForm

register = template.Library()


@register.inclusion_tag("conversations/_panel_body.html", takes_context=True)
def conversations_panel(context: template.Context, dispute: Any, parties: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"hidden": True}
    return selectors.staff_panel(user, dispute, list(parties or [])) | {
        "form": MessageForm(),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.inclusion_tag("conversations/_portal_body.html", takes_context=True)
def conversations_portal(context: template.Context, dispute: Any) -> dict[str, Any]:
    from jiefen.portal.identity import current_party

    request = context.get("request")
    party = current_party(request, dispute) if request is not None else None
    shared = access.shared_thread(dispute)
    return {
        "dispute": dispute,
        "next": selectors.what_next(dispute),
        "party": party,
        "shared_open": shared is not None,
        "request": request,
    }
