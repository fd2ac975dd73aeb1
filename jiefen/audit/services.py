"""Recording what signals cannot see: exports of personal data, bulk writes, domain actions
that write no row. Other apps call these in the transaction of what they record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model

from jiefen.audit import chain, context
from jiefen.audit.models import Record


def audit_export(
    *, what: str, count: int, region_code: int | None = None, params: dict[str, Any] | None = None
) -> Record:
    """An export that contains personal data (e.g. a spreadsheet with parties' phone numbers):
    what was exported (a machine key such as "disputes.xlsx"), how many rows, for which region.
    Never the content. Parameters must be machine keys and numbers, not values."""
    return chain.append(
        actor=context.current(),
        action="export",
        app_label=what.partition(".")[0],
        model=what.partition(".")[2],
        region_code=region_code,
        params={"rows": int(count), **(params or {})},
    )


def audit_bulk(
    *,
    model: type[Model],
    action: str,
    pks: Iterable[Any],
    fields: Iterable[str] = (),
    region_code: int | None = None,
) -> Record:
    """Writes made with QuerySet.update() or bulk_create(), which send no signals: one record
    naming the model, the action, the field names and the primary keys touched."""
    meta = model._meta
    keys = sorted(str(pk) for pk in pks)
    return chain.append(
        actor=context.current(),
        action=action,
        app_label=meta.app_label,
        model=meta.model_name or "",
        region_code=region_code,
        fields=fields,
        params={"pks": keys[:1000], "count": len(keys)},
    )


def audit_document_sign(
    *, dispute_id: int, region_code: int | None, kind: str, sha256: str
) -> Record:
    """A digitally signed document issued: one record naming the dispute, the kind of document
    (a machine key such as "agreement") and the SHA-256 of the file exactly as sent, so that a
    copy shown later can be checked against what was issued. Never the content."""
    return chain.append(
        actor=context.current(),
        action="document_sign",
        app_label="disputes",
        model="dispute",
        object_pk=dispute_id,
        region_code=region_code,
        params={"kind": kind, "sha256": sha256},
    )
