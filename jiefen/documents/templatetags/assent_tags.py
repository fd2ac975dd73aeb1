"""`{% party_agreement dispute %}`: on the party's portal page, the agreement to read and
confirm, and where the party's own answer stands (documents.assent)."""

from typing import Any

from django import template

from jiefen.disputes.models import Outcome
from jiefen.documents import assent
from jiefen.documents.builders import Facts
from jiefen.lib.errors import Invalid
from jiefen.portal.identity import current_party

register = template.Library()


@register.inclusion_tag("documents/_party_agreement.html", takes_context=True)
def party_agreement(context: Any, dispute: Any) -> dict[str, Any]:
    if dispute.outcome != Outcome.AGREEMENT:
        return {"hidden": True}
    request = context.get("request")
    party = current_party(request, dispute) if request is not None else None
    state = ""
    if party is not None:
        facts = Facts.of(dispute)
        try:
            text = assent.agreement_text(facts)
        except Invalid:
            return {"hidden": True}
        states = assent.party_states(facts, text.digest, assent.assents_of(facts.agreement))
        state = next((s.state for s in states if s.party.pk == party.pk), "")
    return {"dispute": dispute, "party": party, "state": state}
