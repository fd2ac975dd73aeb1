"""Rendering helpers: masking, warning colours, and the words for an event."""

from typing import Any

from django import template
from django.utils.translation import gettext as _

from jiefen.disputes.lifecycle import event_detail_more
from jiefen.disputes.lifecycle import event_label as lifecycle_event_label
from jiefen.disputes.models import Event, Outcome, Route, Status, Warning
from jiefen.lib.personal import mask_id, mask_phone

register = template.Library()


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def masked_id(value: str) -> str:
    return mask_id(value or "")


@register.filter
def warning_class(dispute) -> str:  # type: ignore[no-untyped-def]
    return {Warning.RED: "red", Warning.YELLOW: "yellow"}.get(dispute.warning, "")


@register.filter
def event_label(event: Event) -> str:
    return lifecycle_event_label(event.action)


@register.filter
def event_detail(event: Event) -> str:
    """Words for an event's parameters, rendered now in the reader's language."""
    p = event.params or {}
    parts = []
    if event.from_status and event.from_status != event.to_status:
        parts.append(
            _("%(a)s → %(b)s")
            % {"a": Status(event.from_status).label, "b": Status(event.to_status).label}
        )
    if p.get("outcome"):
        parts.append(str(Outcome(p["outcome"]).label))
    if p.get("route"):
        parts.append(_("建议途径：%(route)s") % {"route": Route(p["route"]).label})
    if "in_time" in p and p["in_time"] is not None:
        parts.append(_("按期") if p["in_time"] else _("超期"))
    if p.get("satisfaction"):
        parts.append(_("满意度 %(n)s 分") % {"n": p["satisfaction"]})
    if p.get("days"):
        parts.append(_("期限 %(n)s 个工作日") % {"n": p["days"]})
    if p.get("due"):
        parts.append(_("时限至 %(due)s") % {"due": p["due"]})
    extra = event_detail_more(event.action, p)
    if extra:
        parts.append(str(extra))
    return _("；").join(parts)


@register.filter
def due_action_label(value: str) -> str:
    from jiefen.rules.models import RequiredAction

    return str(RequiredAction(value).label) if value in RequiredAction.values else value


@register.filter
def status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


@register.filter
def warning_label(value: int) -> str:
    return str(Warning(value).label)


@register.filter
def paren(value: Any) -> str:
    """`value` in brackets as the reader's language writes them: （…） in Chinese, " (…)" in
    English, so that no full-width bracket is left in English text."""
    return _("（%(text)s）") % {"text": value}


@register.filter
def category_label(value: Any) -> str:
    """A category's name kept as text (on an agenda, say) in the reader's language."""
    from jiefen.disputes.models import category_label as label

    return label(str(value)) if value else ""
