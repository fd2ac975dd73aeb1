"""Staff pages of the register: the proposal and assignment for a dispute, the register of the
actor's jurisdiction, a mediator's own queue. Thin: fetch through access, write through
services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiefen.disputes.access import dispute_for
from jiefen.lib.errors import DisputeError, NotFound
from jiefen.mediators.models import Assignment, Mediator
from jiefen.mediators.requests import mediator_request_answer, request_for, requests_waiting
from jiefen.mediators.selectors import mediators_for, proposal_for, queue_of
from jiefen.mediators.services import mediators_assign

PAGE = 200


@login_required
@require_http_methods(["GET", "POST"])
def dispute_mediators(request: HttpRequest, pk: int) -> HttpResponse:
    """Where the dispute belongs and who could mediate it, with the reasons; the holding body
    chooses (the proposal decides nothing)."""
    try:
        dispute = dispute_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    error = ""
    chosen = request.POST.getlist("mediators")
    if request.method == "POST":
        try:
            mediators_assign(
                actor=request.user,
                dispute_pk=dispute.pk,
                mediator_pks=chosen,
                reason=request.POST.get("reason", ""),
            )
        except NotFound:
            raise Http404 from None
        except DisputeError as refused:
            error = str(refused.message)
        else:
            messages.success(request, _("已指派调解员"))
            return redirect("mediators:dispute", pk=dispute.pk)
    proposal = proposal_for(dispute)
    current = (
        Assignment.objects.filter(dispute=dispute, ended_at__isnull=True)
        .select_related("mediator", "body")
        .order_by("assigned_at", "pk")
    )
    own = Mediator.objects.filter(bodies=dispute.holder_id, active=True).order_by("name", "pk")[
        :PAGE
    ]
    waiting = [r for r in requests_waiting(request.user) if r.dispute_id == dispute.pk]
    return render(
        request,
        "mediators/dispute.html",
        {
            "waiting": waiting,
            "dispute": dispute,
            "proposal": proposal,
            "current": current,
            "own": own,
            "error": error,
            "chosen": chosen,
            "reason": request.POST.get("reason", ""),
        },
        status=400 if error else 200,
    )


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """The mediators of the actor's jurisdiction (numbers masked), by name; the first 200."""
    rows = (
        mediators_for(request.user)
        .select_related("home_body")
        .prefetch_related("categories")
        .order_by("region_code", "name", "pk")[:PAGE]
    )
    return render(request, "mediators/register.html", {"rows": rows, "page": PAGE})


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The signed-in mediator's open disputes, oldest assignment first."""
    mediator = Mediator.objects.filter(user_id=request.user.pk or 0, active=True).first()
    rows = list(queue_of(mediator)[:PAGE]) if mediator else []
    return render(
        request,
        "mediators/queue.html",
        {"mediator": mediator, "rows": rows, "waiting": requests_waiting(request.user)},
    )


@login_required
@require_http_methods(["POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The holding body (its head, once the request rose) answers a request about mediators."""
    try:
        asked = request_for(request.user, pk)
        mediator_request_answer(
            actor=request.user,
            request_pk=asked.pk,
            grant=request.POST.get("grant") == "yes",
            answer=request.POST.get("answer", ""),
        )
    except NotFound:
        raise Http404 from None
    except DisputeError as refused:
        messages.error(request, str(refused.message))
        return redirect("mediators:dispute", pk=asked.dispute_id)
    messages.success(request, _("已答复"))
    return redirect("mediators:dispute", pk=asked.dispute_id)
