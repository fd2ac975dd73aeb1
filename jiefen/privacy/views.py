"""Subject-access pages. The number entered travels only in a POST body; the session keeps its
keyed digest (for the export that follows), never the number."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiefen.lib.errors import DisputeError, Forbidden, errors_to_form
from jiefen.privacy.forms import AccessForm, ExportForm
from jiefen.privacy.subject import may_answer, subject_export, subject_search

SESSION_KEY = "privacy_access"


def _render(
    request: HttpRequest, form: AccessForm, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(request, "privacy/access.html", {"form": form, **extra}, status=status)


@never_cache
@login_required
def access(request: HttpRequest) -> HttpResponse:
    if not may_answer(request.user):
        raise PermissionDenied
    if request.method != "POST":
        request.session.pop(SESSION_KEY, None)
        return _render(request, AccessForm())
    form = AccessForm(request.POST)
    if not form.is_valid():
        return _render(request, form, status=400)
    try:
        digest, parties = subject_search(
            actor=request.user, key=form.cleaned_data["key"], reason=form.cleaned_data["reason"]
        )
    except Forbidden:
        raise PermissionDenied from None
    except DisputeError as error:
        errors_to_form(error, form)
        return _render(request, form, status=400)
    request.session[SESSION_KEY] = {"digest": digest, "reason": form.cleaned_data["reason"]}
    # The number is not shown back: the form starts empty again.
    return _render(request, AccessForm(), parties=parties, searched=True)


@never_cache
@login_required
@require_POST
def access_export(request: HttpRequest) -> HttpResponse:
    if not may_answer(request.user):
        raise PermissionDenied
    held = request.session.get(SESSION_KEY)
    form = ExportForm(request.POST)
    if not held or not form.is_valid():
        messages.error(request, _("请先查询，再导出"))
        return redirect("privacy:access")
    try:
        export = subject_export(
            actor=request.user,
            digest=held["digest"],
            reason=held["reason"],
            fmt=form.cleaned_data["fmt"],
        )
    except Forbidden:
        raise PermissionDenied from None
    except DisputeError as error:
        messages.error(request, str(error.message))
        return redirect("privacy:access")
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
