"""{% attachments_panel dispute %}: the evidence section of a dispute page, computed for the
signed-in user. `dispute` was fetched through dispute_for by the page that shows it."""

from typing import Any

from django import template

from jiefen.attachments.forms import UploadForm
from jiefen.attachments.selectors import panel_for

register = template.Library()


@register.inclusion_tag("attachments/_panel_body.html", takes_context=True)
def attachments_panel(context: template.Context, dispute: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"hidden": True}
    return panel_for(user, dispute) | {
        "form": UploadForm(),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
