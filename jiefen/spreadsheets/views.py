"""Import and export pages. Thin: the writes are in services.py, the work in the importing
package and exporting.py."""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiefen.attachments.storage import upload_storage
from jiefen.lib import cells
from jiefen.lib.errors import DisputeError, errors_to_form
from jiefen.lib.sealed import open_bytes
from jiefen.org.scope import scope_of
from jiefen.spreadsheets import services
from jiefen.spreadsheets.access import export_job_for, import_job_for
from jiefen.spreadsheets.exporting import XLSX, template_workbook
from jiefen.spreadsheets.importing import MAX_BYTES, STAFF
from jiefen.spreadsheets.models import ExportJob, ImportJob


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件（.xlsx 或 .csv）"))

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not (name.endswith(".xlsx") or name.endswith(".csv")):
            raise forms.ValidationError(_("只支持 .xlsx 和 .csv 文件"))
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("文件过大（超过 20 MB），请分成几个文件导入"))
        return upload


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("导出理由"), max_length=200)


def _may_import(user: Any) -> bool:
    return user.is_superuser or not scope_of(user, roles=STAFF).empty


def _job(request: HttpRequest, pk: int) -> ImportJob:
    """The importer's own job; another's answers as one that does not exist."""
    return import_job_for(request.user, pk)


@never_cache
@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    if not _may_import(request.user):
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_job_start(
                actor=request.user,
                filename=upload.name,
                raw=upload.read(),
                language=get_language() or "zh-hans",
            )
        except DisputeError as error:
            errors_to_form(error, form)
        else:
            return redirect("spreadsheets:job", pk=job.pk)
    recent = ImportJob.objects.filter(actor=request.user).order_by("-id")[:10]  # type: ignore[misc]
    return render(request, "spreadsheets/import.html", {"form": form, "recent": recent})


@login_required
def template_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="jiefen-import-template.xlsx"'
    return response


@never_cache
@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return render(
        request,
        "spreadsheets/job.html",
        {"job": job, "errors": job.errors[:500], "valid_rows": job.rows_total - job.rows_invalid},
    )


@never_cache
@login_required
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = _job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "running": job.running,
            "percent": job.percent,
            "rows_total": job.rows_total,
            "rows_checked": job.rows_checked,
            "rows_done": job.rows_done,
            "rows_invalid": job.rows_invalid,
            "failure": job.failure,
        }
    )


@login_required
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens a UTF-8 CSV correctly only with the BOM
    writer = csv.writer(out)
    writer.writerow(cells.csv_row([_("行号"), _("列"), _("错误")]))
    writer.writerows(cells.csv_row(error) for error in job.errors)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


@login_required
@require_POST
def import_valid_only(request: HttpRequest, pk: int) -> HttpResponse:
    """The importer confirmed, seeing how many rows will be skipped: import the valid ones."""
    job = _job(request, pk)
    try:
        retry = services.import_job_valid_only(
            actor=request.user,
            job=job,
            skip=request.POST.get("skip"),
            language=get_language() or "",
        )
    except DisputeError as error:
        messages.error(request, str(error.message))
        return redirect("spreadsheets:job", pk=pk)
    return redirect("spreadsheets:job", pk=retry.pk)


@login_required
@require_POST
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    services.import_job_discard(job=_job(request, pk))
    return redirect("spreadsheets:import")


def _list_url(query: str) -> str:
    return reverse("disputes:list") + ("?" + query if query else "")


def _export_job(request: HttpRequest, pk: int) -> ExportJob:
    """The exporter's own job; another's answers as one that does not exist."""
    return export_job_for(request.user, pk)


def _recent_exports(request: HttpRequest) -> Any:
    return ExportJob.objects.filter(actor=request.user).order_by("-id")[:20]  # type: ignore[misc]


@never_cache
@login_required
def export_masked(request: HttpRequest) -> HttpResponse:
    """GET: the person's recent exports. POST: queue the export of the list the query string
    selects (masked), and go to its page; the file is built by the task worker."""
    if request.method == "POST":
        try:
            job = services.export_job_start(
                actor=request.user,
                query=request.GET,
                masked=True,
                language=get_language() or "zh-hans",
            )
        except DisputeError as error:
            messages.error(request, str(error.message))
            return redirect(_list_url(request.GET.urlencode()))
        return redirect("spreadsheets:export_job", pk=job.pk)
    return render(request, "spreadsheets/exports.html", {"recent": _recent_exports(request)})


@never_cache
@login_required
def export_unmasked(request: HttpRequest) -> HttpResponse:
    """Full names, phones and ID numbers: the permission of a reveal (the disputes are in the
    actor's jurisdiction — the export reads nothing else) plus a reason; each download of the
    file is recorded."""
    if scope_of(request.user).empty:
        raise Http404
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and reason_form.is_valid():
        try:
            job = services.export_job_start(
                actor=request.user,
                query=request.GET,
                masked=False,
                reason=reason_form.cleaned_data["reason"],
                language=get_language() or "zh-hans",
            )
        except DisputeError as error:
            if error.fields:
                errors_to_form(error, reason_form)
            else:
                messages.error(request, str(error.message))
                return redirect(_list_url(request.GET.urlencode()))
        else:
            return redirect("spreadsheets:export_job", pk=job.pk)
    return render(
        request,
        "spreadsheets/export_unmasked.html",
        {"form": reason_form, "query": request.GET.urlencode()},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@login_required
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The export's page ("导出"): its state, refreshed while it runs, and the download."""
    job = _export_job(request, pk)
    return render(
        request,
        "spreadsheets/export_job.html",
        {
            "job": job,
            "allowed": services.export_allowed(request.user, job),
            "list_url": _list_url(job.query),
            "recent": _recent_exports(request),
        },
    )


@never_cache
@login_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    """The built file, to its owner only, while their jurisdiction still covers what it was
    when they asked; each download is recorded (ExportRecord naming the job)."""
    job = _export_job(request, pk)
    if job.status != ExportJob.State.DONE or not job.stored_name:
        raise Http404
    if not services.export_allowed(request.user, job):
        raise Http404
    try:
        with upload_storage().open(job.stored_name, "rb") as handle:
            content = open_bytes(handle.read())
    except FileNotFoundError:
        raise Http404 from None
    services.export_downloaded(actor=request.user, job=job)
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=job.filename, content_type=XLSX
    )
