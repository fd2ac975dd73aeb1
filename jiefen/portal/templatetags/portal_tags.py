"""`{% staff_escalations dispute %}`: a party's requests to go up a level and to have the level
above review a "no", at the top of the staff's dispute page, with the answer forms for those who
answer; `{% staff_requests_queue %}`: the requests waiting for the user's bodies, for the queue."""

from typing import Any

from django import template
from django.db.models import F

from jiefen.disputes import page
from jiefen.disputes.access import roles_by_body
from jiefen.portal.forms import AnswerForm, ReviewAnswerForm
from jiefen.portal.models import EscalationRequest, PartyPhoneCheck, ReviewRequest
from jiefen.portal.services import ANSWER_ROLES, may_answer, may_review

register = template.Library()


@register.inclusion_tag("portal/_staff_escalations.html", takes_context=True)
def staff_escalations(context: Any, dispute: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    # Read with the dispute by its page (disputes.page; portal.selectors declares them).
    requests = page.part(dispute, "portal.escalations")
    reviews = [
        {
            "r": r,
            "form": ReviewAnswerForm(prefix=f"review{r.pk}")
            if r.is_waiting and may_review(user, r)
            else None,
        }
        for r in page.part(dispute, "portal.reviews")
    ]
    return {
        "dispute": dispute,
        "requests": requests,
        "reviews": reviews,
        "form": AnswerForm() if requests else None,
        "may_answer": bool(requests) and may_answer(user, dispute),
    }


@register.inclusion_tag("portal/_staff_requests_queue.html", takes_context=True)
def staff_requests_queue(context: Any) -> dict[str, Any]:
    """Requests waiting for an answer from a body the user answers for, earliest due first."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"escalations": [], "reviews": []}
    bodies = [b for b, roles in roles_by_body(user).items() if roles & ANSWER_ROLES]
    escalations = list(
        EscalationRequest.objects.filter(
            body_id__in=bodies,
            dispute__holder_id=F("body_id"),
            answered_at__isnull=True,
            auto_escalated_at__isnull=True,
            dispute__status__in=["registered", "accepted", "mediating", "assigned"],
        )
        .select_related("dispute")
        .order_by("due_date", "id")[:50]
    )
    reviews = list(
        ReviewRequest.objects.filter(
            reviewer_id__in=bodies, answered_at__isnull=True, auto_escalated_at__isnull=True
        )
        .select_related("dispute", "body")
        .order_by("due_date", "id")[:50]
    )
    return {"escalations": escalations, "reviews": reviews, "today": context.get("today")}


@register.inclusion_tag("portal/_phone_checks.html", takes_context=True)
def phone_checks(context: Any, dispute: Any) -> dict[str, Any]:
    """已核实手机号码: for each party with a phone, whether the holding body verified it (when,
    by whom), or the check was voided by a changed phone; the button for staff who may
    verify. The checks of the dispute are read with the dispute's page (portal.selectors), the
    parties are the page's."""
    from jiefen.portal.ways_in import may_check_phone, phone_seen

    request = context.get("request")
    user = getattr(request, "user", None)
    parties = [p for p in context.get("parties", dispute.parties.all()) if p.phone_digest]
    if not parties:
        return {"rows": []}
    checks: dict[int, list[PartyPhoneCheck]] = {}
    for check in page.part(dispute, "portal.phone_checks"):  # read with the dispute's page
        checks.setdefault(check.party_id, []).append(check)
    may = may_check_phone(user, dispute)
    rows = []
    for party in parties:
        mine = checks.get(party.pk, [])
        current = next((c for c in mine if c.phone_digest == party.phone_digest), None)
        rows.append(
            {
                "party": party,
                "check": current,
                "voided": current is None and bool(mine),
                "seen": phone_seen(party) if may and current is None else "",
            }
        )
    return {"dispute": dispute, "rows": rows, "may": may}
