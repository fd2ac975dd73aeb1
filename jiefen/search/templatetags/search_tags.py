"""`{% related_disputes dispute %}`: the related-disputes panel of a staff dispute page — the
links and merges with their reasons, the disputes it probably repeats (an online filing's
possible duplicates are flagged here, to staff only), and the form to link or merge."""

from typing import Any

from django import template

from jiefen.disputes import page
from jiefen.disputes.models import Channel, Status
from jiefen.org.scope import scope_of
from jiefen.search.forms import LinkForm
from jiefen.search.intake import REASON_LABELS, related_for_page
from jiefen.search.models import DisputeLink, LinkKind

register = template.Library()


@register.inclusion_tag("search/_related_panel.html", takes_context=True)
def related_disputes(context: Any, dispute: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    scope = scope_of(user)
    links = page.part(dispute, "search.links")  # read with the dispute (search.intake)
    shown: list[dict[str, Any]] = []
    hidden = 0
    merged_into = None
    for link in links:
        other = link.target if link.source_id == dispute.pk else link.source
        if not scope.contains(other.region_code):
            hidden += 1  # linked by someone above: its existence only, nothing of it
            continue
        if link.kind == LinkKind.MERGED and link.source_id == dispute.pk:
            merged_into = other
        shown.append(
            {
                "link": link,
                "other": other,
                "direction": ("into" if link.source_id == dispute.pk else "from")
                if link.kind == LinkKind.MERGED
                else "",
                "reasons": [str(REASON_LABELS.get(r, r)) for r in link.reasons],
            }
        )
    suggestions = []
    if dispute.is_open and merged_into is None:
        linked = {item["other"].pk for item in shown}
        suggestions = [s for s in related_for_page(user, dispute) if s.dispute.pk not in linked]
    return {
        "dispute": dispute,
        "links": shown,
        "hidden": hidden,
        "merged_into": merged_into,
        "suggestions": suggestions,
        "online_duplicate": bool(suggestions)
        and dispute.channel == Channel.ONLINE
        and dispute.status == Status.REGISTERED,
        "may_merge": dispute.status == Status.REGISTERED,
        "form": LinkForm(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("search/_merged_progress.html")
def merged_progress(dispute: Any) -> dict[str, Any]:
    """On the party's portal page of a merged dispute: the dispute it continues in, its state
    and the steps taken there (dates and what was done; no reasons, names or parties of the
    other dispute)."""
    from jiefen.disputes.lifecycle import event_label
    from jiefen.disputes.reads import events_of

    link = (
        DisputeLink.objects.filter(source=dispute, kind=LinkKind.MERGED)
        .select_related("target")
        .first()
    )
    if link is None:
        return {"target": None}
    events = events_of(link.target, public=True).order_by("id")
    steps = [
        {"at": e.at, "label": event_label(e.action)} for e in events.only("at", "action")[:200]
    ]
    return {"target": link.target, "steps": steps}
