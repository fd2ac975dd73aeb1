"""{% documents_panel dispute %}: the legal documents section of a dispute page, computed for
the signed-in user."""

from typing import Any

from django import template

from jiefen.documents.selectors import panel_for

register = template.Library()


@register.inclusion_tag("documents/_panel_body.html", takes_context=True)
def documents_panel(context: template.Context, dispute: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"hidden": True}
    return panel_for(user, dispute) | {"csrf_token": context.get("csrf_token"), "request": request}
