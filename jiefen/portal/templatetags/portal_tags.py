"""`{% staff_escalations dispute %}`: a party's requests to go up a level, on the staff's
dispute page, with the answer form for those who answer for the holding body."""

from typing import Any

from django import template

from jiefen.portal.forms import AnswerForm
from jiefen.portal.models import EscalationRequest
from jiefen.portal.services import may_answer

register = template.Library()


@register.inclusion_tag("portal/_staff_escalations.html", takes_context=True)
def staff_escalations(context: Any, dispute: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    requests = list(
        EscalationRequest.objects.filter(dispute=dispute)
        .select_related("answered_by")
        .order_by("-id")[:50]
    )
    return {
        "dispute": dispute,
        "requests": requests,
        "form": AnswerForm() if requests else None,
        "may_answer": bool(requests) and may_answer(user, dispute),
    }
