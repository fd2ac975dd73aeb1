"""Staff pages of the register: the proposal and assignment for a dispute, the register of the
actor's jurisdiction, a mediator's own queue. Thin: fetch through access, write through
services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiefen.disputes.access import dispute_for
from jiefen.lib.errors import DisputeError, NotFound
from jiefen.mediators.access import request_for
from jiefen.mediators.models import Assignment, Mediator, RequestKind
from jiefen.mediators.requests import (
    mediator_request_answer,
    mediator_request_make,
    requests_waiting,
)
from jiefen.mediators.selectors import mediator_figures, mediators_for, proposal_for, queue_of
from jiefen.mediators.services import mediators_assign
from jiefen.mediators.sittings import sittings_of

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
    mine = next((a for a in current if a.mediator.user_id == request.user.pk), None)
    return render(
        request,
        "mediators/dispute.html",
        {
            "waiting": waiting,
            "mine": mine,
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
    rows = _register_rows(request)
    figures = mediator_figures([m.pk for m in rows])
    for m in rows:
        m.figures = figures.get(m.pk)  # type: ignore[attr-defined]
    return render(request, "mediators/register.html", {"rows": rows, "page": PAGE})


def _register_rows(request: HttpRequest, limit: int = PAGE) -> list[Mediator]:
    return list(
        mediators_for(request.user)
        .select_related("home_body")
        .prefetch_related("categories", "bodies")
        .order_by("region_code", "name", "pk")[:limit]
    )


EXPORT_LIMIT = 20000


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The register of the actor's jurisdiction as a workbook for the yearly report: what the
    work needs and the descriptive figures; phone and ID numbers are left out."""
    from openpyxl import Workbook

    from jiefen.lib.cells import row
    from jiefen.lib.office import workbook_bytes

    mediators = _register_rows(request, EXPORT_LIMIT)
    figures = mediator_figures([m.pk for m in mediators])
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("人民调解员名册"))
    sheet.append(
        row(
            sheet,
            [
                _("姓名"),
                _("聘任单位"),
                _("所在调解组织"),
                _("擅长事项"),
                _("语言和方言"),
                _("专兼职"),
                _("聘任日期"),
                _("聘期届满"),
                _("可调解日"),
                _("在聘"),
                _("在办"),
                _("承办纠纷"),
                _("办结"),
                _("达成调解协议"),
                _("平均满意度"),
                _("到期时限"),
                _("按时"),
                _("按时办理率（%）"),
            ],
        )
    )
    for m in mediators:
        f = figures.get(m.pk)
        sheet.append(
            row(
                sheet,
                [
                    m.name,
                    m.home_body.name,
                    "、".join(b.name for b in m.bodies.all()),
                    "、".join(str(c) for c in m.categories.all()),
                    m.languages,
                    _("专职") if m.full_time else _("兼职"),
                    m.appointed_on,
                    m.term_ends,
                    m.weekdays,
                    _("是") if m.active else _("否"),
                    m.open_cases,
                    f.handled if f else 0,
                    f.resolved if f else 0,
                    f.agreements if f else 0,
                    f.satisfaction if f else None,
                    f.deadlines_due if f else 0,
                    f.deadlines_met if f else 0,
                    round(f.on_time * 100, 1) if f and f.on_time is not None else None,
                ],
            )
        )
    data = workbook_bytes(book, title=_("人民调解员名册"), author="jiefen", moment=timezone.now())
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="mediators.xlsx"'
    return response


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The signed-in mediator's open disputes, oldest assignment first, and the sessions they
    sat in, the latest first."""
    mediator = Mediator.objects.filter(user_id=request.user.pk or 0, active=True).first()
    rows = list(queue_of(mediator)[:PAGE]) if mediator else []
    sat = list(sittings_of(mediator)[:PAGE]) if mediator else []
    return render(
        request,
        "mediators/queue.html",
        {
            "mediator": mediator,
            "rows": rows,
            "sat": sat,
            "waiting": requests_waiting(request.user),
        },
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


@login_required
@require_http_methods(["POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed-in mediator withdraws (回避) from a dispute they are on, with the reason; the
    body answers it like a party's request."""
    try:
        dispute = dispute_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    mediator = Mediator.objects.filter(user_id=request.user.pk or 0, active=True).first()
    try:
        mediator_request_make(
            dispute=dispute,
            kind=RequestKind.WITHDRAW,
            mediator_pk=mediator.pk if mediator else None,
            reason=request.POST.get("reason", ""),
            actor=request.user,
        )
    except DisputeError as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("已提出回避，等待本调处主体答复"))
    return redirect("mediators:dispute", pk=dispute.pk)
