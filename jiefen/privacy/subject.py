"""Subject-access requests: what jiefen holds about a person, found by their phone or ID number.

Who may answer one: staff holding a clerk, head or administrator role in a body — the people a
person asks at the counter where they filed — and only for disputes inside the region of those
bodies (scope_of with those roles). They can already reveal a party's numbers one dispute at a
time; this gathers the same data for the person it is about. Mediators, leaders, supervisors
and evaluators cannot: their work needs no one's full record.

Every search and every export is recorded (AccessRequest): who, when, the reason given, and a
keyed digest of the number entered — never the number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.disputes.lifecycle import event_label
from jiefen.disputes.models import Event, Party, Reveal, Status
from jiefen.lib import cells
from jiefen.lib import sealed as lookup
from jiefen.lib.errors import Forbidden, Invalid
from jiefen.lib.personal import valid_credit_code, valid_phone, valid_resident_id
from jiefen.org.context import PRIVACY
from jiefen.org.scope import Scope, scope_of
from jiefen.privacy.models import AccessKind, AccessRequest

ROLES = tuple(sorted(PRIVACY))
# A person is rarely a party to more than a handful of disputes; an organisation may be to many.
LIMIT = 500


def access_scope(actor: Any) -> Scope:
    return scope_of(actor, roles=ROLES)


def may_answer(actor: Any) -> bool:
    return not access_scope(actor).empty


def _check(actor: Any, reason: str) -> str:
    if not may_answer(actor):
        raise Forbidden(_("您无权办理个人信息查询申请"))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("请填写查询理由"), fields={"reason": [_("请填写查询理由")]})
    if len(reason) > 200:
        raise Invalid(_("理由过长"), fields={"reason": [_("不能超过 200 个字")]})
    return reason


def key_digest(key: str) -> str:
    """The digest of a phone, resident ID or credit code entered; Invalid for anything else."""
    value = lookup.normalise(key)
    if not (valid_phone(value) or valid_resident_id(value) or valid_credit_code(value)):
        message = _("请输入正确的手机号码、身份证号码或统一社会信用代码")
        raise Invalid(message, fields={"key": [message]})
    return lookup.digest(value)


def parties_of(actor: Any, digest: str) -> QuerySet[Party]:
    """The party rows with this phone or ID number, in disputes inside the actor's scope."""
    if not digest:
        return Party.objects.none()
    matching = Party.objects.filter(Q(phone_digest=digest) | Q(id_digest=digest))
    return (
        access_scope(actor)
        .filter(matching, field="dispute__region_code")
        .select_related("dispute", "dispute__region", "dispute__category", "dispute__holder")
        .order_by("-dispute_id", "id")
    )


def _log(actor: Any, kind: str, reason: str, digest: str, parties: list[Party]) -> None:
    AccessRequest.objects.create(
        at=timezone.now(),
        actor=actor,
        kind=kind,
        reason=reason,
        key_digest=digest,
        parties=len(parties),
        disputes=sorted({p.dispute_id for p in parties}),
    )


def subject_search(*, actor: Any, key: str, reason: str) -> tuple[str, list[Party]]:
    """Find the person's party rows; returns the digest (to export with later) and the rows."""
    reason = _check(actor, reason)
    digest = key_digest(key)
    parties = list(parties_of(actor, digest)[:LIMIT])
    _log(actor, AccessKind.SEARCH, reason, digest, parties)
    return digest, parties


@dataclass
class Export:
    filename: str
    content_type: str
    content: bytes


def subject_export(*, actor: Any, digest: str, reason: str, fmt: str) -> Export:
    """What is held about the person, as .json or .xlsx, logged."""
    reason = _check(actor, reason)
    if fmt not in ("json", "xlsx"):
        raise Invalid(_("不支持的导出格式"))
    parties = list(parties_of(actor, digest)[:LIMIT])
    data = subject_data(parties, digest)
    kind = AccessKind.EXPORT_JSON if fmt == "json" else AccessKind.EXPORT_XLSX
    _log(actor, kind, reason, digest, parties)
    from jiefen.audit.services import audit_export

    audit_export(what=f"privacy.subject_access_{fmt}", count=len(parties))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "json":
        content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        return Export(f"subject-access-{stamp}.json", "application/json", content)
    return Export(
        f"subject-access-{stamp}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _xlsx(data),
    )


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _who(user: Any) -> str:
    if user is None:
        return _("系统")
    return getattr(user, "full_name", "") or user.get_username()


def subject_data(parties: list[Party], digest: str) -> dict[str, Any]:
    """Everything held about the person: their party rows (unmasked: it is for them), the
    disputes' facts, the events of those disputes, who revealed their numbers, and the
    subject-access searches made for them."""
    disputes = {p.dispute_id: p.dispute for p in parties}
    party_ids = [p.pk for p in parties]
    events = (
        Event.objects.filter(dispute_id__in=list(disputes))
        .select_related("body", "dispute")
        .order_by("dispute_id", "id")
    )
    reveals = (
        Reveal.objects.filter(party_id__in=party_ids)
        .select_related("actor", "dispute")
        .order_by("at", "id")
    )
    searches = (
        AccessRequest.objects.filter(key_digest=digest).select_related("actor").order_by("at")
        if digest
        else AccessRequest.objects.none()
    )
    return {
        "generated_at": _when(timezone.now()),
        "parties": [
            {
                "dispute": p.dispute.number,
                "side": p.side,
                "side_label": str(p.get_side_display()),
                "kind": p.kind,
                "name": p.name,
                "phone": p.phone or "",
                "id_number": p.id_number or "",
                "address": p.address,
                "anonymised_at": _when(p.anonymised_at),
            }
            for p in parties
        ],
        "disputes": [
            {
                "number": d.number,
                "title": d.title,
                "category": d.category.name,
                "region": d.region.name,
                "region_code": d.region_code,
                "description": d.description,
                "status": d.status,
                "status_label": str(Status(d.status).label),
                "holder": d.holder.name,
                "registered_at": _when(d.registered_at),
                "resolved_at": _when(d.resolved_at),
                "closed_at": _when(d.closed_at),
                "outcome": d.outcome,
                "satisfaction": d.satisfaction,
            }
            for d in disputes.values()
        ],
        "events": [
            {
                "dispute": e.dispute.number,
                "at": _when(e.at),
                "action": e.action,
                "action_label": event_label(e.action),
                "body": e.body.name,
                "reason": e.reason,
                "params": e.params,
            }
            for e in events
        ],
        "reveals": [
            {
                "dispute": r.dispute.number,
                "at": _when(r.at),
                "by": _who(r.actor),
                "field": r.field,
                "reason": r.reason,
            }
            for r in reveals
        ],
        "searches": [
            {"at": _when(s.at), "by": _who(s.actor), "kind": s.kind, "reason": s.reason}
            for s in searches
        ],
    }


def _cell(value: Any) -> Any:
    return "" if value is None else value


def _xlsx(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    sheets = [
        (
            _("当事人信息"),
            "parties",
            [
                ("dispute", _("纠纷编号")),
                ("side_label", _("身份")),
                ("name", _("姓名或名称")),
                ("phone", _("联系电话")),
                ("id_number", _("证件号码")),
                ("address", _("住址")),
                ("anonymised_at", _("匿名化时间")),
            ],
        ),
        (
            _("纠纷"),
            "disputes",
            [
                ("number", _("编号")),
                ("title", _("事由")),
                ("category", _("类别")),
                ("region", _("发生地")),
                ("status_label", _("状态")),
                ("holder", _("承办主体")),
                ("registered_at", _("登记时间")),
                ("closed_at", _("结案时间")),
                ("description", _("纠纷概况")),
            ],
        ),
        (
            _("办理记录"),
            "events",
            [
                ("dispute", _("纠纷编号")),
                ("at", _("时间")),
                ("action_label", _("动作")),
                ("body", _("承办主体")),
                ("reason", _("理由")),
            ],
        ),
        (
            _("信息查看记录"),
            "reveals",
            [
                ("dispute", _("纠纷编号")),
                ("at", _("时间")),
                ("by", _("查看人")),
                ("field", _("字段")),
                ("reason", _("理由")),
            ],
        ),
        (
            _("查询记录"),
            "searches",
            [("at", _("时间")), ("by", _("经办人")), ("kind", _("操作")), ("reason", _("理由"))],
        ),
    ]
    book = Workbook()
    book.remove(book.active)
    for title, key, columns in sheets:
        sheet = book.create_sheet(str(title)[:31])
        sheet.append(cells.row(sheet, [str(name) for _key, name in columns]))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in data[key]:
            sheet.append(cells.row(sheet, [_cell(row.get(k)) for k, _n in columns]))
        for index, (_key, name) in enumerate(columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = max(12, min(60, len(str(name)) * 3))
        sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
