"""Evidence pages. Thin: fetch through access and selectors, write through services.

Files are served only by `download`, which checks access first and sends them as downloads
that a browser will neither sniff nor render: attachment disposition, the content type of the
kind found in the content, nosniff, a sandboxing CSP and no caching outside the browser.
"""

from __future__ import annotations

import hashlib
import logging
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

from jiefen.attachments import services
from jiefen.attachments.access import attachment_for
from jiefen.attachments.forms import UploadForm, WithdrawForm
from jiefen.attachments.kinds import KINDS
from jiefen.attachments.selectors import panel_for
from jiefen.attachments.storage import max_bytes, upload_storage
from jiefen.disputes.access import dispute_for
from jiefen.disputes.models import Dispute
from jiefen.lib.errors import DisputeError, Forbidden, NotFound

log = logging.getLogger(__name__)

# Room for the description, the CSRF token and the multipart framing around the file.
FORM_OVERHEAD = 64 * 1024


def _dispute(request: HttpRequest, pk: int) -> Dispute:
    try:
        return dispute_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _page(
    request: HttpRequest, dispute: Dispute, *, form: Any = None, error: str = "", status: int = 200
) -> HttpResponse:
    context = panel_for(request.user, dispute) | {
        "form": form if form is not None else UploadForm(),
        "error": error,
    }
    return render(request, "attachments/list.html", context, status=status)


def _back(dispute: Dispute) -> HttpResponse:
    return redirect(reverse("attachments:list", args=[dispute.pk]))


@never_cache
@login_required
@require_GET
def listing(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _dispute(request, pk))


# The CSRF check reads the request body; it runs only after access and the declared length
# have been checked, so a stranger cannot make the server spool a large body to disk.
@csrf_exempt
@never_cache
@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _dispute(request, pk)
    if not services.may_attach(request.user, dispute):
        return _page(
            request, dispute, error=_("只有承办主体的工作人员可以上传证据材料"), status=403
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes() + FORM_OVERHEAD:
        return _page(request, dispute, error=services.size_limit_message(), status=413)
    return _upload_checked(request, dispute)


@csrf_protect
def _upload_checked(request: HttpRequest, dispute: Dispute) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, dispute, form=form, status=400)
    try:
        services.attachment_add(
            actor=request.user,
            dispute_id=dispute.pk,
            upload=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
        )
    except NotFound:
        raise Http404 from None
    except Forbidden as error:
        return _page(request, dispute, form=form, error=str(error.message), status=403)
    except DisputeError as error:
        form.add_error("file" if isinstance(error, services.Refused) else None, str(error.message))
        return _page(request, dispute, form=form, status=400)
    messages.success(request, _("证据材料已上传。"))
    return _back(dispute)


@login_required
@require_GET
def download(request: HttpRequest, pk: int, attachment: int) -> HttpResponse:
    try:
        _dispute_row, row = attachment_for(request.user, pk, attachment)
    except NotFound:
        raise Http404 from None
    with upload_storage().open(row.stored_name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != row.sha256:
        # Never serve a file that is not the one uploaded; ids only in the log.
        log.error("attachment content changed on disk", extra={"attachment": row.pk})
        return HttpResponse(
            _("文件校验失败，已停止下载，请联系管理员。"),
            status=500,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(data, content_type=KINDS[row.kind].content_type)
    response["Content-Disposition"] = (
        content_disposition_header(True, row.display_name) or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Length"] = str(len(data))
    return response


@never_cache
@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int, attachment: int) -> HttpResponse:
    dispute = _dispute(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("撤回证据材料必须说明理由"))
        return _back(dispute)
    try:
        services.attachment_withdraw(
            actor=request.user,
            dispute_id=dispute.pk,
            attachment_id=attachment,
            reason=form.cleaned_data["reason"],
        )
    except NotFound:
        raise Http404 from None
    except DisputeError as error:
        messages.error(request, str(error.message))
        return _back(dispute)
    messages.success(request, _("证据材料已撤回，原文件保留备查。"))
    return _back(dispute)
