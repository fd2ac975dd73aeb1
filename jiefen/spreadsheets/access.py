"""Import and export jobs for this actor: each is the asker's own, so another's is answered
exactly as one that does not exist."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from jiefen.spreadsheets.models import ExportJob, ImportJob


def import_job_for(actor: Any, pk: Any) -> ImportJob:
    """The importer's own job `pk`; 404 for another's, as for a missing one."""
    try:
        return ImportJob.objects.get(pk=pk, actor=actor)
    except ImportJob.DoesNotExist:
        raise Http404 from None


def export_job_for(actor: Any, pk: Any) -> ExportJob:
    """The exporter's own job `pk`; 404 for another's, as for a missing one (whether their
    jurisdiction still covers the list is the download's own check)."""
    try:
        return ExportJob.objects.get(pk=pk, actor=actor)
    except ExportJob.DoesNotExist:
        raise Http404 from None
