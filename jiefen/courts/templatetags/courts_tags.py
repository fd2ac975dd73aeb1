"""`{% court_panel dispute %}`: the judicial-confirmation application on the staff's dispute
page, read with the dispute (disputes.page); `{% court_party dispute %}`: the party's part of
it in the portal."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from jiefen.courts import services
from jiefen.courts.models import CourtSubmission, IdentityDocument
from jiefen.courts.texts import PARTY_MESSAGES
from jiefen.disputes import page
from jiefen.disputes.models import Outcome
from jiefen.disputes.reads import parties_of
from jiefen.documents.services import confirmation_last_day
from jiefen.lib.personal import mask_name
from jiefen.portal.identity import current_party

register = template.Library()

# At most one identity document a party.
PAGE_PARTIES = 200


def _rows_from_the_page(dispute: Any) -> list[dict[str, Any]]:
    """The panel's rows (one a principal party) from what the page read with the dispute: its
    parties, agreement and confirmation, and the parts courts declares."""
    uploaded = {d.party_id for d in page.part(dispute, "courts.documents")}
    sent = bool(page.part(dispute, "courts.sent"))
    agreement = getattr(dispute, "agreement", None)
    confirmation = getattr(agreement, "confirmation", None) if agreement is not None else None
    return [
        {
            "has_document": p.pk in uploaded,
            "sent": sent,
            "signed_on": agreement.signed_on if agreement is not None else None,
            "applied_on": confirmation.applied_on if confirmation is not None else None,
        }
        for p in dispute.parties.all()
        if p.side in services.PRINCIPALS and p.anonymised_at is None
    ]


def page_parts_register() -> None:
    """The identity documents uploaded and whether the application went to the court, read with
    the dispute's row on its page (disputes.page)."""
    page.rows(
        "courts.documents",
        lambda: IdentityDocument.objects.filter(dispute=OuterRef("pk")).order_by("id")[
            :PAGE_PARTIES
        ],
    )
    page.value(
        "courts.sent", lambda: Exists(CourtSubmission.objects.filter(dispute=OuterRef("pk")))
    )


@register.inclusion_tag("courts/_panel_body.html", takes_context=True)
def court_panel(context: template.Context, dispute: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or dispute.outcome != Outcome.AGREEMENT:
        return {"hidden": True}
    if page.has(dispute, "courts.sent"):  # read with the dispute's page (courts.apps)
        rows = _rows_from_the_page(dispute)
    else:
        rows = list(
            parties_of(dispute, side__in=services.PRINCIPALS, anonymised_at=None)
            .annotate(
                has_document=Exists(IdentityDocument.objects.filter(party=OuterRef("pk"))),
                sent=Exists(CourtSubmission.objects.filter(dispute=OuterRef("dispute"))),
                signed_on=F("dispute__agreement__signed_on"),
                applied_on=F("dispute__agreement__confirmation__applied_on"),
            )
            .values("has_document", "sent", "signed_on", "applied_on")
        )
    if not rows or rows[0]["signed_on"] is None:
        return {"hidden": True}
    last = confirmation_last_day(rows[0]["signed_on"])
    return {
        "dispute": dispute,
        "parties": len(rows),
        "uploaded": sum(1 for r in rows if r["has_document"]),
        "sent": rows[0]["sent"],
        "applied_on": rows[0]["applied_on"],
        "last_day": last,
        "days_left": (last - timezone.localdate()).days,
    }


@register.inclusion_tag("courts/_party.html", takes_context=True)
def court_party(context: template.Context, dispute: Any) -> dict[str, Any]:
    request = context.get("request")
    if request is None or dispute.outcome != Outcome.AGREEMENT:
        return {"hidden": True}
    state = services.state_of(dispute)
    if state.agreement is None:
        return {"hidden": True}
    party = current_party(request, dispute)
    code = request.GET.get("court", "")
    message = PARTY_MESSAGES[code]() if code in PARTY_MESSAGES else ""
    return {
        "dispute": dispute,
        "state": state,
        "me": party,
        "mine": state.documents.get(party.pk) if party is not None else None,
        "may_upload": party is not None and party.side in services.PRINCIPALS and state.open,
        "others": [
            {
                "side": p.get_side_display(),
                "name": p.name if party is not None and p.pk == party.pk else mask_name(p.name),
                "uploaded": p.pk in state.documents,
                "me": party is not None and p.pk == party.pk,
            }
            for p in state.parties
        ],
        "message": message,
        "saved": code == "saved",
        "closed_message": services.closed_message(state.last_day)
        if state.closed and state.last_day
        else "",
        "accepted": services.accepted_labels(),
        "csrf_token": context.get("csrf_token"),
    }
