"""Pages of the judicial-confirmation application: the staff's page of a dispute, and the
party's upload in the portal. Thin: access and the party's proof first, services write.

Files (identity documents, the bundle, the signed agreement) are served as downloads a browser
will neither sniff nor cache: attachment disposition, nosniff, a sandboxing CSP, no-store.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from jiefen.attachments.kinds import KINDS
from jiefen.attachments.services import size_limit_message
from jiefen.attachments.storage import max_bytes
from jiefen.courts import services
from jiefen.courts.forms import ApplicationForm, IdentityForm, RevealForm
from jiefen.disputes.access import dispute_for
from jiefen.disputes.models import Dispute
from jiefen.disputes.reads import dispute_find
from jiefen.documents import services as documents
from jiefen.lib.errors import DisputeError, Forbidden, NotFound
from jiefen.portal import guard
from jiefen.portal.identity import current_party

# Room for the CSRF token and the multipart framing around the file.
FORM_OVERHEAD = 64 * 1024


def _dispute(request: HttpRequest, pk: int) -> Dispute:
    try:
        return dispute_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _file(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Length"] = str(len(data))
    return response


def _too_long(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return length > max_bytes() + FORM_OVERHEAD


# --- staff --------------------------------------------------------------------------------------


def _page(
    request: HttpRequest,
    dispute: Dispute,
    *,
    form: ApplicationForm | None = None,
    error: str = "",
    upload_error: tuple[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    state = services.state_of(dispute)
    may = services.may_assemble(request.user, dispute)
    if form is None:
        form = ApplicationForm(
            initial={"court": services.court_default(dispute), "reason": _("代当事人申请司法确认")}
        )
    return render(
        request,
        "courts/application.html",
        {
            "dispute": dispute,
            "state": state,
            "may_assemble": may,
            "form": form,
            "error": error,
            "upload_error": upload_error,
            "closed_message": services.closed_message(state.last_day)
            if state.closed and state.last_day
            else "",
            "accepted": services.accepted_labels(),
            "max_mb": max_bytes() // (1024 * 1024),
            "parties": [{"party": p, "document": state.documents.get(p.pk)} for p in state.parties],
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def application(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _dispute(request, pk))


@csrf_exempt
@never_cache
@login_required
@require_POST
def staff_upload(request: HttpRequest, pk: int, party: int) -> HttpResponse:
    dispute = _dispute(request, pk)
    if not services.may_assemble(request.user, dispute):
        return _page(
            request,
            dispute,
            error=_("只有承办主体的工作人员可以代当事人上传身份证明材料。"),
            status=403,
        )
    if _too_long(request):
        return _page(request, dispute, upload_error=(party, size_limit_message()), status=413)
    return _staff_upload_checked(request, dispute, party)


@csrf_protect
def _staff_upload_checked(request: HttpRequest, dispute: Dispute, party: int) -> HttpResponse:
    form = IdentityForm(request.POST, request.FILES)
    form.is_valid()
    try:
        services.identity_upload_for_party(
            actor=request.user,
            dispute_id=dispute.pk,
            party_id=party,
            upload=form.cleaned_data.get("file"),
        )
    except NotFound:
        raise Http404 from None
    except DisputeError as error:
        return _page(request, dispute, upload_error=(party, str(error.message)), status=400)
    messages.success(request, _("已代当事人上传身份证明材料。"))
    return redirect(reverse("courts:application", args=[dispute.pk]) + f"#party-{party}")


@never_cache
@login_required
@require_POST
def staff_identity(request: HttpRequest, pk: int, party: int) -> HttpResponse:
    dispute = _dispute(request, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _page(
            request, dispute, upload_error=(party, _("查看身份证明材料必须说明理由")), status=400
        )
    try:
        row, data = services.identity_reveal(
            actor=request.user,
            dispute_id=dispute.pk,
            party_id=party,
            reason=form.cleaned_data["reason"],
        )
    except NotFound:
        raise Http404 from None
    except DisputeError as error:
        return _page(request, dispute, upload_error=(party, str(error.message)), status=400)
    kind = KINDS[row.kind]
    return _file(data, kind.content_type, f"{dispute.number}-{row.party_id}{kind.extension}")


def _refused(
    request: HttpRequest, dispute: Dispute, form: ApplicationForm, error: DisputeError
) -> HttpResponse:
    """The page again, with what was typed and the refusal on its field or above the form."""
    if error.fields and set(error.fields) <= set(form.fields):
        for name, problems in error.fields.items():
            for problem in problems:
                form.add_error(name, problem)
        message = ""
    else:
        message = str(error.message)
    status = 403 if isinstance(error, Forbidden) else 400
    return _page(request, dispute, form=form, error=message, status=status)


def _application_form(request: HttpRequest) -> ApplicationForm:
    form = ApplicationForm(request.POST)
    form.is_valid()
    return form


def _application_step(
    request: HttpRequest,
    pk: int,
    step: Callable[..., Any],
    answer: Callable[[HttpRequest, Dispute, Any], HttpResponse],
) -> HttpResponse:
    """A step of the application taken from its form (the bundle, the sending): the service
    with the court and reason typed, the page again with the refusal, else `answer`."""
    dispute = _dispute(request, pk)
    form = _application_form(request)
    try:
        done = step(
            actor=request.user,
            dispute_id=dispute.pk,
            court=form.cleaned_data.get("court", ""),
            reason=form.cleaned_data.get("reason", ""),
        )
    except NotFound:
        raise Http404 from None
    except DisputeError as error:
        return _refused(request, dispute, form, error)
    return answer(request, dispute, done)


@never_cache
@login_required
@require_POST
def bundle(request: HttpRequest, pk: int) -> HttpResponse:
    return _application_step(request, pk, services.bundle_make, _bundle_file)


def _bundle_file(request: HttpRequest, dispute: Dispute, made: Any) -> HttpResponse:
    return _file(made.bundle, "application/pdf", made.filename)


@never_cache
@login_required
@require_POST
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed agreement on its own (its PAdES signature intact), with full numbers."""
    dispute = _dispute(request, pk)
    form = _application_form(request)
    reason = form.cleaned_data.get("reason", "")
    if not services.may_assemble(request.user, dispute):
        error = _("只有承办主体的工作人员可以生成司法确认申请材料。")
        return _page(request, dispute, form=form, error=error, status=403)
    if not reason:
        error = _("生成含完整证件号码的材料必须填写查看理由")
        return _page(request, dispute, form=form, error=error, status=400)
    try:
        document = documents.document_make(
            actor=request.user,
            dispute_id=dispute.pk,
            kind="agreement",
            fmt="pdf",
            reveal_reason=reason,
        )
    except NotFound:
        raise Http404 from None
    except DisputeError as error:
        return _page(request, dispute, form=form, error=str(error.message), status=400)
    return _file(document.data, document.content_type, document.filename)


@never_cache
@login_required
@require_POST
def send(request: HttpRequest, pk: int) -> HttpResponse:
    return _application_step(request, pk, services.application_send, _sent)


def _sent(request: HttpRequest, dispute: Dispute, row: Any) -> HttpResponse:
    messages.success(
        request,
        _("司法确认申请已提交%(court)s，回执编号 %(reference)s。已登记为已申请。")
        % {"court": row.court, "reference": row.reference},
    )
    return redirect(reverse("courts:application", args=[dispute.pk]))


# --- the party, in the portal --------------------------------------------------------------------


def _followed(request: HttpRequest) -> Dispute | None:
    """The dispute this browser opened with its number and query code (portal.guard)."""
    remembered = guard.followed(request)
    if remembered is None:
        return None
    pk, digest = remembered
    dispute = dispute_find(pk, related=["agreement", "holder"])
    if dispute is None or not dispute.query_digest:
        return None
    if not hmac.compare_digest(dispute.query_digest[:16], digest):
        return None
    return dispute


def _back_to_portal(code: str) -> HttpResponse:
    return redirect(reverse("portal:follow") + f"?court={code}#court")


@csrf_exempt
@never_cache
@require_POST
def party_upload(request: HttpRequest) -> HttpResponse:
    dispute = _followed(request)
    if dispute is None:
        messages.error(request, _("查询已超时，请重新输入编号和查询码"))
        return redirect("portal:follow")
    party = current_party(request, dispute)
    if party is None:
        return _back_to_portal("proved")
    if _too_long(request):
        return _back_to_portal("size")
    return _party_upload_checked(request, dispute, party)


@csrf_protect
def _party_upload_checked(request: HttpRequest, dispute: Dispute, party: Any) -> HttpResponse:
    form = IdentityForm(request.POST, request.FILES)
    form.is_valid()
    try:
        services.identity_upload_by_party(party=party, upload=form.cleaned_data.get("file"))
    except services.NotAccepted as error:
        return _back_to_portal(error.code)
    except DisputeError:
        return _back_to_portal("refused")
    return _back_to_portal("saved")


@never_cache
@require_GET
def party_identity(request: HttpRequest) -> HttpResponse:
    """The party's own identity document, to check what was uploaded; never another's."""
    dispute = _followed(request)
    party = current_party(request, dispute) if dispute is not None else None
    if party is None:
        raise Http404
    found = services.identity_of_party(party=party)
    if found is None:
        raise Http404
    row, data = found
    kind = KINDS[row.kind]
    return _file(data, kind.content_type, f"{dispute.number}{kind.extension}")  # type: ignore[union-attr]
