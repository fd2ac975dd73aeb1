"""Reads: what the documents panel of a dispute page shows to this actor."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from jiefen.disputes.models import Agreement, Dispute
from jiefen.documents import assent, signing
from jiefen.documents.builders import KINDS, Facts
from jiefen.documents.models import Confirmation
from jiefen.documents.services import FORMATS, SIGNED_KINDS, confirmation_last_day, may_edit


def panel_for(actor: Any, dispute: Dispute, *, today: date | None = None) -> dict[str, Any]:
    """The documents with what each still lacks, and the judicial confirmation window.
    `dispute` was fetched through dispute_for by the page that shows it."""
    today = today or timezone.localdate()
    facts = Facts.of(dispute)
    documents = [
        {"key": kind.key, "title": kind.title, "missing": kind.missing(facts)}
        for kind in KINDS.values()
    ]
    window = None
    assent_states = None
    if facts.agreement is not None and not facts.agreement_missing_outcome:
        # Each party's answer to the text as it is now: one query (documents.assent).
        text = assent.agreement_text(facts)
        assent_states = assent.party_states(facts, text.digest, assent.assents_of(facts.agreement))
        last = confirmation_last_day(facts.agreement.signed_on)
        window = {
            "last_day": last,
            "days_left": (last - today).days,
            "row": _confirmation(facts.agreement),
        }
    return {
        "dispute": dispute,
        "documents": documents,
        "formats": list(FORMATS),
        "window": window,
        "assent_states": assent_states,
        "may_edit": may_edit(actor, dispute),
        "signed_kinds": SIGNED_KINDS,
        **_signature(),
        "today": today,
    }


def _confirmation(agreement: Any) -> Confirmation | None:
    """The application for judicial confirmation: joined to the dispute's row by its page."""
    if Agreement.confirmation.is_cached(agreement):  # type: ignore[attr-defined]
        return getattr(agreement, "confirmation", None)
    return Confirmation.objects.filter(agreement=agreement).first()


def page_parts_register() -> None:
    """What the documents panel reads, with the dispute's row on its page (disputes.page):
    the parties' facts for the agreement, the agreement's items and its confirmation."""
    from django.db.models import OuterRef

    from jiefen.disputes import page
    from jiefen.documents.models import PartyDetail

    page.rows(
        "documents.party_details",
        lambda: PartyDetail.objects.filter(party__dispute=OuterRef("pk")).order_by("id"),
    )
    page.joined("agreement__document_detail", "agreement__confirmation")


def _signature() -> dict[str, Any]:
    """Whose certificate signs the agreement PDF ("" when none is configured: unsigned), or
    that the one configured cannot be read (the download refuses then; the page still shows)."""
    try:
        return {"signed_by": signing.signer_name(), "signing_broken": False}
    except ImproperlyConfigured:
        return {"signed_by": "", "signing_broken": True}
