"""What the staff pages of meetings, screening returns and circulars share: the
file types they send, a download, and the bodies whose meetings a person manages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header

from jiefen.meetings import services
from jiefen.org.models import Body

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


def _managed_bodies(user: Any, kinds: tuple[str, ...]) -> QuerySet[Body]:
    qs = Body.objects.filter(kind__in=kinds, active=True).select_related("region")
    if user.is_superuser:
        return qs.order_by("region_code")[:50]  # type: ignore[return-value]
    return (
        qs.filter(memberships__user=user, memberships__role__in=list(services.MANAGING_ROLES))
        .distinct()
        .order_by("region_code")
    )
