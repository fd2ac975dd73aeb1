"""Staff pages for circulars (通报): the list, generating one, its page and its files. Thin:
fetch through the access helpers, write through the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiefen.lib.errors import DisputeError, NotFound
from jiefen.meetings import access
from jiefen.meetings import circulars as circular_services
from jiefen.meetings.circular_forms import (
    CircularForm,
)
from jiefen.meetings.exports import (
    UNIT_KEYS,
    circular_comparison,
    circular_rows,
    circular_summary,
    circular_title,
)
from jiefen.meetings.models import (
    Circular,
)
from jiefen.meetings.pages import DOCX, XLSX, _download, _managed_bodies
from jiefen.org.models import Body
from jiefen.org.scope import body_for

# --- circulars ------------------------------------------------------------------------------


@login_required
def circular_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    managed = list(_managed_bodies(request.user, tuple(circular_services.KIND_OF_BODY)))
    generate = [
        (body, [p for p, done in circular_services.periods_to_generate(body, today) if not done])
        for body in managed[:10]
    ]
    return render(
        request,
        "meetings/circulars.html",
        {
            "circulars": list(access.circulars_for(request.user)[:60]),
            "generate": generate,
        },
    )


@login_required
@require_POST
def circular_generate(request: HttpRequest) -> HttpResponse:
    body = body_for(request.user, request.POST.get("body"))
    form = CircularForm(request.POST, bodies=Body.objects.filter(pk=body.pk))
    if not form.is_valid():
        messages.error(request, _("请选择通报单位和通报期"))
        return redirect("meetings:circulars")
    try:
        circular = circular_services.circular_generate(
            actor=request.user, body=body, period_start=form.cleaned_data["period"]
        )
    except DisputeError as error:
        messages.error(request, str(error.message))
        return redirect("meetings:circulars")
    messages.success(request, _("已生成通报（用时 %(s).1f 秒）") % {"s": circular.seconds})
    return redirect("meetings:circular", pk=circular.pk)


def _get_circular(request: HttpRequest, pk: int) -> Circular:
    try:
        return access.circular_for(request.user, pk)
    except NotFound:
        raise Http404 from None


@login_required
def circular_detail(request: HttpRequest, pk: int) -> HttpResponse:
    circular = _get_circular(request, pk)
    figures = circular.figures
    totals = figures["totals"]
    return render(
        request,
        "meetings/circular.html",
        {
            "circular": circular,
            "title": circular_title(figures),
            "summary": circular_summary(figures),
            "comparison": circular_comparison(figures),
            "rows": [
                (label, totals["current"][k], totals["previous"][k], totals["last_year"][k])
                for k, label in circular_rows()
            ],
            "categories": figures["categories"],
            "units": [
                (
                    _("%(name)s（本级）") % {"name": u["name"]} if u.get("own") else u["name"],
                    [u[k] for k in UNIT_KEYS],
                )
                for u in figures["units"]
            ],
            "longest": figures["longest_open"],
        },
    )


@login_required
def circular_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    circular = _get_circular(request, pk)
    with translation.override("zh-hans"):
        name = f"{circular.body.name}{circular_title(circular.figures)}"
    if fmt == "docx":
        return _download(circular.docx, name + ".docx", DOCX)
    if fmt == "xlsx":
        return _download(circular.xlsx, name + ".xlsx", XLSX)
    raise Http404
