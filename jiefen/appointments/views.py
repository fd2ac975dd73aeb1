"""Pages of the proposed session times: the mediator's moves from the dispute page (propose,
confirm, cancel, enter the remote room) and the party's from the portal (reply, enter)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiefen.appointments import access, services
from jiefen.appointments.forms import ConfirmForm, ProposeForm, ReplyForm
from jiefen.appointments.selectors import rounds_of
from jiefen.disputes.access import dispute_for
from jiefen.lib.errors import DisputeError, NotFound


def _attach(form: Any, error: DisputeError) -> None:
    placed = False
    for field, problems in (error.fields or {}).items():
        for problem in problems:
            if field in form.fields:
                form.add_error(field, problem)
            elif field.startswith("slot") or field == "slots":
                form.add_error(None, problem)
            else:
                continue
            placed = True
    if not placed:
        form.add_error(None, str(error.message))


def _back(pk: int) -> HttpResponse:
    return redirect(f"{redirect('disputes:detail', pk=pk).url}#appointments")


# --- the mediator ---------------------------------------------------------------------------


@login_required
@require_POST
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        dispute = dispute_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    form = ProposeForm(request.POST)
    if form.is_valid():
        try:
            services.appointment_propose(
                actor=request.user, dispute_id=dispute.pk, slots=form.slots()
            )
        except DisputeError as error:
            _attach(form, error)
        else:
            messages.success(request, _("已提出调解时间，当事人可以在查询页面答复"))
            return _back(dispute.pk)
    from jiefen.disputes.views import _render_detail

    return _render_detail(request, dispute, status=400, extra={"appointments_form": form})


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    appointment, dispute = access.staff_appointment(request, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要确认的时间"))
        return _back(dispute.pk)
    try:
        services.appointment_confirm(
            actor=request.user, appointment_id=appointment.pk, slot_id=form.cleaned_data["slot"]
        )
    except DisputeError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已确认调解时间，系统将在前一天和开始前两小时短信提醒当事人"))
    return _back(dispute.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment, dispute = access.staff_appointment(request, pk)
    try:
        services.appointment_cancel(actor=request.user, appointment_id=appointment.pk)
    except DisputeError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已取消这次调解时间安排"))
    return _back(dispute.pk)


@login_required
@require_POST
def staff_join(request: HttpRequest, pk: int) -> HttpResponse:
    appointment, dispute = access.staff_appointment(request, pk)
    try:
        url = services.appointment_join(appointment=appointment, user=request.user)
    except DisputeError as error:
        messages.error(request, str(error.message))
        return _back(dispute.pk)
    return redirect(url)


# --- the party ------------------------------------------------------------------------------


def _render_public(
    request: HttpRequest,
    appointment: Any,
    dispute: Any,
    party: Any,
    form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    round_ = next((r for r in rounds_of(dispute) if r.pk == appointment.pk), None)
    if round_ is None:  # older than the rounds shown
        raise Http404
    return render(
        request,
        "appointments/public.html",
        {
            "dispute": dispute,
            "round": round_,
            "party": party,
            "form": form or ReplyForm(),
            "video": services.room_url(appointment) != "" if appointment.room_secret else False,
            # The holding body's public phone, else the proposing mediator's work phone.
            "call_phone": (
                getattr(dispute.holder, "public_phone", "")
                or getattr(appointment.proposed_by, "phone", "")
            )
            if party
            else "",
        },
        status=status,
    )


@never_cache
def public(request: HttpRequest, pk: int) -> HttpResponse:
    appointment, dispute, party = access.public_appointment(request, pk)
    return _render_public(request, appointment, dispute, party)


@never_cache
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    appointment, dispute, party = access.public_appointment(request, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.appointment_reply(
                dispute=dispute,
                party=party,
                appointment_id=appointment.pk,
                slot_id=form.slot_id(),
                note=form.cleaned_data["note"],
            )
        except DisputeError as error:
            _attach(form, error)
        else:
            if form.slot_id() is None:
                messages.success(request, _("已告知调解员您希望另定时间"))
            else:
                messages.success(request, _("已答复调解员，谢谢"))
            return redirect(f"{redirect('portal:follow').url}#appointments")
    status = 403 if party is None else 400
    return _render_public(request, appointment, dispute, party, form, status=status)


@never_cache
@require_POST
def join(request: HttpRequest, pk: int) -> HttpResponse:
    appointment, _dispute, party = access.public_appointment(request, pk)
    if party is None:
        messages.error(request, _("请先验证您的手机号码，确认您是本纠纷的当事人"))
        return redirect(f"{redirect('portal:follow').url}#appointments")
    try:
        url = services.appointment_join(appointment=appointment, party=party)
    except DisputeError as error:
        messages.error(request, str(error.message))
        return redirect(f"{redirect('portal:follow').url}#appointments")
    return redirect(url)
