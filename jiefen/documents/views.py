"""Staff pages of the documents app. Thin: fetch through access, write through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from jiefen.disputes.access import dispute_for
from jiefen.disputes.models import Dispute, PartyKind
from jiefen.documents import services
from jiefen.documents.builders import KINDS, Facts
from jiefen.documents.forms import (
    AgreementDetailForm,
    ApplyForm,
    OrganisationDetailForm,
    PartyDetailForm,
    ResultForm,
    RevealForm,
)
from jiefen.lib.errors import DisputeError, Forbidden, NotFound
from jiefen.lib.errors import errors_to_form as _attach


def _dispute(request: HttpRequest, pk: int) -> Dispute:
    try:
        return dispute_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _panel_url(pk: int) -> str:
    return reverse("disputes:detail", args=[pk]) + "#documents"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def download(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    """GET: the document with ID and phone numbers masked. POST with a reason: in full, each
    number revealed and logged."""
    if kind not in KINDS or fmt not in services.FORMATS:
        raise Http404
    dispute = _dispute(request, pk)
    reason = ""
    if request.method == "POST":
        form = RevealForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("生成含完整号码的文书必须说明理由"))
            return redirect(_panel_url(dispute.pk))
        reason = form.cleaned_data["reason"]
    try:
        document = services.document_make(
            actor=request.user, dispute_id=dispute.pk, kind=kind, fmt=fmt, reveal_reason=reason
        )
    except NotFound:
        raise Http404 from None
    except (services.Incomplete, services.Unprintable) as error:
        return _refused(request, dispute, error)
    except (Forbidden, DisputeError) as error:
        messages.error(request, str(error.message))
        return redirect(_panel_url(dispute.pk))
    return _attachment(document)


def _refused(request: HttpRequest, dispute: Dispute, error: Any) -> HttpResponse:
    return render(
        request,
        "documents/refused.html",
        {"dispute": dispute, "message": error.message, "missing": getattr(error, "missing", [])},
        status=409,
    )


@never_cache
@login_required
@require_POST
def acceptance_with_code(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The applicant's copy of the acceptance notice with a newly issued query code."""
    dispute = _dispute(request, pk)
    try:
        document = services.acceptance_with_code(actor=request.user, dispute_id=dispute.pk, fmt=fmt)
    except NotFound:
        raise Http404 from None
    except (services.Incomplete, services.Unprintable) as error:
        return _refused(request, dispute, error)
    except (Forbidden, DisputeError) as error:
        messages.error(request, str(error.message))
        return redirect(_panel_url(dispute.pk))
    return _attachment(document)


def _attachment(document: services.Document) -> HttpResponse:
    response = HttpResponse(document.data, content_type=document.content_type)
    response["Content-Disposition"] = (
        content_disposition_header(True, document.filename) or "attachment"
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _party_form(party: Any, data: Any = None) -> Any:
    detail = getattr(party, "document_detail", None)
    cls = OrganisationDetailForm if party.kind == PartyKind.ORGANISATION else PartyDetailForm
    initial = {"address": party.address}
    if detail is not None:
        initial |= {name: getattr(detail, name) for name in cls.base_fields if name != "address"}
    return cls(data, initial=initial, prefix=f"party-{party.pk}")


def _agreement_form(facts: Facts, data: Any = None) -> AgreementDetailForm | None:
    if facts.agreement_missing_outcome:
        return None
    detail = facts.agreement_detail
    if detail is not None:
        initial = {name: getattr(detail, name) for name in AgreementDetailForm.base_fields}
    else:
        assert facts.agreement is not None
        mediators = []
        for s in facts.sessions:
            for name in s.mediators.replace("，", "、").replace(",", "、").split("、"):
                if name.strip() and name.strip() not in mediators:
                    mediators.append(name.strip())
        initial = {
            "performance_method": facts.agreement.performance,
            "mediators": "、".join(mediators),
            "committee": facts.dispute.holder.name,
        }
    return AgreementDetailForm(data, initial=initial, prefix="agreement")


@login_required
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest, pk: int) -> HttpResponse:
    """The items the agreement needs: each party's basic facts and the agreement's own."""
    dispute = _dispute(request, pk)
    if not services.may_edit(request.user, dispute):
        raise Http404
    facts = Facts.of(dispute)
    parties = [p for p in facts.parties]
    for party in parties:
        party.document_detail = facts.details.get(party.pk)  # type: ignore[attr-defined]
    agreement_form = _agreement_form(facts)
    party_forms = {p.pk: _party_form(p) for p in parties}
    # A person's recorded facts are masked: their form is shown only after a logged reveal.
    recorded = {pk: detail.recorded for pk, detail in facts.details.items()}
    sealed = {p.pk for p in parties if p.kind != PartyKind.ORGANISATION and recorded.get(p.pk)}
    reveal_forms = {pk: RevealForm(prefix=f"reveal-{pk}") for pk in sealed}
    status = 200
    if request.method == "POST":
        target = request.POST.get("target", "")
        try:
            if target.startswith("reveal-") and target[7:].isdigit() and int(target[7:]) in sealed:
                pk = int(target[7:])
                reveal_form = RevealForm(request.POST, prefix=f"reveal-{pk}")
                reveal_forms[pk] = reveal_form
                if reveal_form.is_valid():
                    shown = next(p for p in parties if p.pk == pk)
                    shown.document_detail = services.party_detail_reveal(  # type: ignore[attr-defined]
                        actor=request.user,
                        party_id=pk,
                        reason=reveal_form.cleaned_data["reason"],
                    )
                    # Shown in this response only, as the numbers' reveal is.
                    party_forms[pk] = _party_form(shown)
                    sealed.discard(pk)
                    return _details_page(
                        request,
                        dispute,
                        facts,
                        agreement_form,
                        parties,
                        party_forms,
                        sealed,
                        reveal_forms,
                        recorded,
                        200,
                    )
            elif target == "agreement" and agreement_form is not None:
                agreement_form = _agreement_form(facts, request.POST)
                assert agreement_form is not None
                if agreement_form.is_valid():
                    data = agreement_form.cleaned_data
                    services.agreement_detail_save(
                        actor=request.user,
                        dispute_id=dispute.pk,
                        data=services.AgreementDetailInput(**data),
                    )
                    messages.success(request, _("已保存调解协议书信息"))
                    return redirect("documents:details", pk=dispute.pk)
            elif target.startswith("party-") and target[6:].isdigit():
                chosen = next((p for p in parties if p.pk == int(target[6:])), None)
                if chosen is None:
                    raise Http404
                form = _party_form(chosen, request.POST)
                party_forms[chosen.pk] = form
                if form.is_valid():
                    services.party_detail_save(
                        actor=request.user,
                        party_id=chosen.pk,
                        data=services.PartyDetailInput(**form.cleaned_data),
                    )
                    messages.success(request, _("已保存 %(name)s 的信息") % {"name": chosen.name})
                    return redirect("documents:details", pk=dispute.pk)
            else:
                raise Http404
        except NotFound:
            raise Http404 from None
        except DisputeError as error:
            if target.startswith("reveal-"):
                reveal_forms[int(target[7:])].add_error("reason", str(error.message))
            else:
                bound = agreement_form if target == "agreement" else party_forms[int(target[6:])]
                _attach(error, bound)
        if target.startswith("party-"):
            sealed.discard(int(target[6:]))  # what they typed is shown back, not masked
        status = 400
    return _details_page(
        request,
        dispute,
        facts,
        agreement_form,
        parties,
        party_forms,
        sealed,
        reveal_forms,
        recorded,
        status,
    )


def _details_page(
    request: HttpRequest,
    dispute: Dispute,
    facts: Facts,
    agreement_form: Any,
    parties: list[Any],
    party_forms: dict[int, Any],
    sealed: set[int],
    reveal_forms: dict[int, Any],
    recorded: dict[int, list[str]],
    status: int,
) -> HttpResponse:
    rows = [
        (
            p,
            party_forms[p.pk],
            reveal_forms.get(p.pk) if p.pk in sealed else None,
            recorded.get(p.pk),
        )
        for p in parties
    ]
    return render(
        request,
        "documents/details.html",
        {
            "dispute": dispute,
            "agreement_form": agreement_form,
            "parties": rows,
            "agreement_missing": KINDS["agreement"].missing(facts),
        },
        status=status,
    )


@login_required
@require_POST
def confirmation(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Record the parties' application for judicial confirmation, or the court's result."""
    dispute = _dispute(request, pk)
    form: Any = ApplyForm(request.POST) if step == "apply" else ResultForm(request.POST)
    if step not in ("apply", "result"):
        raise Http404
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return redirect(_panel_url(dispute.pk))
    try:
        if step == "apply":
            services.confirmation_apply(
                actor=request.user, dispute_id=dispute.pk, **form.cleaned_data
            )
            messages.success(request, _("已登记司法确认申请"))
        else:
            services.confirmation_result(
                actor=request.user, dispute_id=dispute.pk, **form.cleaned_data
            )
            messages.success(request, _("已登记司法确认结果"))
    except NotFound:
        raise Http404 from None
    except DisputeError as error:
        messages.error(request, str(error.message))
        for problems in error.fields.values():
            for problem in problems:
                messages.error(request, problem)
    return redirect(_panel_url(dispute.pk))
