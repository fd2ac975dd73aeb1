"""The search box's page hooks, and linking and merging disputes from a dispute's page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiefen.disputes.access import dispute_by_number, dispute_for
from jiefen.disputes.lifecycle import DisputeError, NotFound
from jiefen.search import services
from jiefen.search.forms import LinkForm


def search_box_mask(request: HttpRequest, form: Any, query: Any, page: Any) -> dict[str, Any]:
    """After a search for a phone or ID number: the box shows the number masked, and the
    page's links (next page, exports, the language switch) do not carry it. Returns what the
    page's context needs for that."""
    searched = getattr(page, "query", None)
    if searched is None or not searched.sensitive:
        return {}
    form.data = form.data.copy()
    form.data["q"] = searched.shown
    query.pop("q", None)
    return {"masked_path": f"{request.path}?{query.urlencode()}"}


@login_required
@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        dispute = dispute_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    form = LinkForm(request.POST)
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, str(problem))
        return redirect("disputes:detail", pk=pk)
    data = form.cleaned_data
    try:
        other = dispute_by_number(request.user, data["number"])
        if data["kind"] == "merge":
            services.dispute_merge(
                actor=request.user, source_id=dispute.pk, target_id=other.pk, note=data["note"]
            )
            messages.success(
                request, _("已并入 %(number)s，在该纠纷中继续办理") % {"number": other.number}
            )
        else:
            services.dispute_link(
                actor=request.user,  # type: ignore[misc]  # staff only: login_required
                source_id=dispute.pk,
                target_id=other.pk,
                reasons=data["reasons"],
                note=data["note"],
            )
            messages.success(request, _("已关联 %(number)s") % {"number": other.number})
    except DisputeError as error:
        messages.error(request, str(error.message))
    return redirect("disputes:detail", pk=pk)


# --- Related disputes at intake (hooks of disputes.views.register) ------------------------------


def _choice(request: HttpRequest) -> tuple[str, int | None]:
    kind, _sep, pk = (request.POST.get("related_choice") or "").partition(":")
    return kind, int(pk) if pk.isdigit() else None


def intake_review(request: HttpRequest, data: dict[str, Any], parties: list[Any]) -> Any:
    """Before registering: None to go ahead; the context of the suggestions to show (the form
    is shown again with them); or, when the clerk chose to add the facts to an existing
    dispute, the response after doing so."""
    kind, pk = _choice(request)
    if kind in ("register", "link") or _sent_before(request, data):
        return None
    if kind == "attach" and pk is not None:
        try:
            dispute = services.dispute_add_facts(
                actor=request.user, dispute_id=pk, facts=data["description"], parties=parties
            )
        except DisputeError as error:
            return {"related": _suggest(request, data, parties), "related_error": error.message}
        messages.success(
            request, _("没有另行登记：情况已补充到 %(number)s") % {"number": dispute.number}
        )
        return redirect("disputes:detail", pk=dispute.pk)
    related = _suggest(request, data, parties)
    return {"related": related} if related else None


def _sent_before(request: HttpRequest, data: dict[str, Any]) -> bool:
    """The same form sent again (back button, double tap): the registration answers it with the
    dispute it registered the first time (services.dispute_register_once), not suggestions."""
    from django.utils import timezone

    from jiefen.disputes.reads import register_seen
    from jiefen.disputes.services import ONCE_WINDOW

    once = data.get("once")
    if not once:
        return False
    return register_seen(actor=request.user, once=once, since=timezone.now() - ONCE_WINDOW)


def _suggest(request: HttpRequest, data: dict[str, Any], parties: list[Any]) -> list[Any]:
    from jiefen.regions.models import Region
    from jiefen.search.intake import related_for

    return related_for(
        request.user,
        region=Region.objects.filter(code=data["region"]).first(),
        title=data["title"],
        description=data["description"],
        project=data.get("project", ""),
        parties=parties,
    )


def intake_link(request: HttpRequest, dispute: Any) -> None:
    """After registering: link the new dispute to the one the clerk chose, if any."""
    kind, pk = _choice(request)
    if kind != "link" or pk is None:
        return
    reasons = [r for r in (request.POST.get(f"related_reasons_{pk}") or "").split(",") if r]
    try:
        other = dispute_for(request.user, pk)
        services.dispute_link(
            actor=request.user, source_id=dispute.pk, target_id=other.pk, reasons=reasons
        )
    except DisputeError as error:
        messages.warning(request, str(error.message))
    else:
        messages.info(request, _("已关联 %(number)s") % {"number": other.number})
