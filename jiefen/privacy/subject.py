"""Subject-access requests: what jiefen holds about a person, found by their phone or ID number.

Who may answer one: staff holding a clerk, head or administrator role in a body — the people a
person asks at the counter where they filed — and only for disputes inside the region of those
bodies (scope_of with those roles). They can already reveal a party's numbers one dispute at a
time; this gathers the same data for the person it is about. Mediators, leaders, supervisors
and evaluators cannot: their work needs no one's full record.

Every search and every export is recorded (AccessRequest): who, when, the reason given, and a
keyed digest of the number entered — never the number.

The export covers every table that holds anything about the person: COVERED names the model of
each section, EXEMPT every other model linked to a party or a dispute, or holding a personal
field, with the reason it is left out (tests/test_subject_coverage.py walks every installed
model and fails on one in neither). Models of other apps are reached by their label
(django.apps), so this module imports none of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from jiefen.disputes.lifecycle import event_label
from jiefen.disputes.models import Party, Reveal, Status
from jiefen.disputes.reads import events_of_disputes, parties_with_digests
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
    matching = parties_with_digests([digest])
    if not digest:
        return matching
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
    data = subject_data(parties, digest, actor)
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


@dataclass(frozen=True)
class Section:
    """One kind of record of the export: the rows of `model` linked by `path` to the person's
    disputes (or, with `by_party`, to their party rows), with these fields."""

    key: str
    title: Any
    model: str
    path: str
    fields: tuple[str, ...]
    by_party: bool = False
    # Fields holding a sealed PNG (lib.sealed.seal_bytes): exported opened, as a data: URL.
    images: tuple[str, ...] = ()


SECTIONS = (
    Section(
        "party_details",
        _lazy("当事人基本情况"),
        "documents.PartyDetail",
        "party",
        (
            "gender",
            "age",
            "ethnicity",
            "occupation",
            "employer",
            "legal_representative",
            "representative_title",
            "updated_at",
        ),
        by_party=True,
    ),
    Section(
        "agreement_assents",
        _lazy("当事人确认调解协议"),
        "documents.Assent",
        "party",
        ("answer", "reason", "channel", "at", "signed", "voided_at"),
        by_party=True,
        images=("signature",),
    ),
    Section(
        "sessions",
        _lazy("调解记录"),
        "disputes.Session",
        "dispute",
        ("held_on", "place", "mediators", "attendees", "record", "agreed"),
    ),
    Section(
        "appointments",
        _lazy("调解时间安排"),
        "appointments.Appointment",
        "dispute",
        ("proposed_at", "status", "starts_at"),
    ),
    Section(
        "appointment_times",
        _lazy("拟定的调解时间"),
        "appointments.Slot",
        "appointment__dispute",
        ("starts_at", "place", "remote"),
    ),
    Section(
        "appointment_replies",
        _lazy("调解时间答复"),
        "appointments.Reply",
        "party",
        ("at", "slot", "note"),
        by_party=True,
    ),
    Section(
        "appointment_joins",
        _lazy("远程参加调解"),
        "appointments.Join",
        "party",
        ("at",),
        by_party=True,
    ),
    Section(
        "agreements",
        _lazy("调解协议"),
        "disputes.Agreement",
        "dispute",
        ("facts", "terms", "performance", "signed_on"),
    ),
    Section(
        "agreement_details",
        _lazy("调解协议书信息"),
        "documents.AgreementDetail",
        "agreement__dispute",
        (
            "responsibility",
            "performance_method",
            "performance_deadline",
            "performed_on_signing",
            "mediators",
            "committee",
        ),
    ),
    Section(
        "confirmations",
        _lazy("司法确认"),
        "documents.Confirmation",
        "dispute",
        ("applied_on", "court", "result", "result_on"),
    ),
    Section(
        "court_identity_documents",
        _lazy("司法确认身份证明材料（仅元数据）"),
        "courts.IdentityDocument",
        "party",
        ("kind", "size", "sha256", "uploaded_at"),
        by_party=True,
    ),
    Section(
        "court_submissions",
        _lazy("司法确认申请提交记录"),
        "courts.CourtSubmission",
        "dispute",
        ("court", "sent_at", "reference", "bundle_sha256"),
    ),
    Section(
        "escalation_requests",
        _lazy("上移申请"),
        "portal.EscalationRequest",
        "dispute",
        (
            "requested_at",
            "reason",
            "due_date",
            "answered_at",
            "answer",
            "transferred",
            "auto_escalated_at",
        ),
    ),
    Section(
        "review_requests",
        _lazy("复核申请"),
        "portal.ReviewRequest",
        "dispute",
        (
            "kind",
            "requested_at",
            "reason",
            "due_date",
            "answered_at",
            "answer",
            "outcome",
            "auto_escalated_at",
        ),
    ),
    Section("ratings", _lazy("评价"), "portal.Rating", "dispute", ("score", "comment", "rated_at")),
    Section(
        "phone_checks",
        _lazy("手机号码核实"),
        "portal.PartyPhoneCheck",
        "party",
        ("verified_at",),
        by_party=True,
    ),
    Section(
        "reception_bookings",
        _lazy("接访预约"),
        "receptions.ReceptionBooking",
        "dispute",
        (
            "title",
            "description",
            "contact_name",
            "contact_phone",
            "public",
            "booked_at",
            "status",
            "record",
            "recorded_at",
        ),
    ),
    Section(
        "attachments",
        _lazy("附件（仅元数据）"),
        "attachments.Attachment",
        "dispute",
        (
            "display_name",
            "description",
            "kind",
            "size",
            "sha256",
            "uploaded_at",
            "withdrawn_at",
            "withdraw_reason",
        ),
    ),
    Section(
        "notifications",
        _lazy("工作提醒"),
        "supervision.Notification",
        "dispute",
        ("kind", "created_at", "sent_at"),
    ),
    Section(
        "sms_messages",
        _lazy("工作提醒短信"),
        "supervision.SmsMessage",
        "notification__dispute",
        ("kind", "status", "queued_at", "sent_at"),
    ),
    Section(
        "party_sms",
        _lazy("发给当事人的短信"),
        "supervision.SmsMessage",
        "party",
        ("kind", "status", "queued_at", "sent_at"),
        by_party=True,
    ),
    Section(
        "supervision_orders",
        _lazy("督办"),
        "supervision.SupervisionOrder",
        "dispute",
        ("requirement", "days", "issued_at", "due_date", "answered_at", "report", "escalated_at"),
    ),
    Section(
        "leader_ownerships",
        _lazy("领导包案"),
        "supervision.LeaderOwnership",
        "dispute",
        (
            "plan",
            "target_date",
            "status",
            "assigned_at",
            "signed_off_at",
            "sign_off_note",
            "ended_at",
        ),
    ),
    Section(
        "progress_notes",
        _lazy("包案进展"),
        "supervision.ProgressNote",
        "ownership__dispute",
        ("at", "text"),
    ),
    Section(
        "extensions",
        _lazy("包案延期"),
        "supervision.Extension",
        "ownership__dispute",
        ("requested_at", "reason", "old_date", "new_date", "status", "decided_at", "decision_note"),
    ),
    Section(
        "meeting_decisions",
        _lazy("会议决定"),
        "meetings.Decision",
        "dispute",
        ("kind", "text", "effect", "decided_at"),
    ),
    Section(
        "mediator_assignments",
        _lazy("调解员指派"),
        "mediators.Assignment",
        "dispute",
        ("assigned_at", "ended_at", "ended_why"),
    ),
    Section(
        "mediator_requests",
        _lazy("调解员申请"),
        "mediators.MediatorRequest",
        "dispute",
        ("kind", "reason", "made_at", "due_date", "state", "answered_at", "answer"),
    ),
    Section(
        "messages",
        _lazy("与调解员的沟通消息"),
        "conversations.Message",
        "party",
        ("shared", "written_at", "body", "file_name", "file_kind", "file_size", "blanked_at"),
        by_party=True,
    ),
    Section(
        "level_stays",
        _lazy("各层级办理"),
        "disputes.LevelStay",
        "dispute",
        ("tier", "arrived_at", "left_at", "left_how", "due_date", "met"),
    ),
)

# The sections built by subject_data itself.
COVERED = {
    "disputes.Party": "parties",
    "disputes.Dispute": "disputes",
    "disputes.Event": "events",
    "disputes.Reveal": "reveals",
    "privacy.AccessRequest": "searches",
    **{section.model: section.key for section in SECTIONS},
}

# Models linked to a party or a dispute, or holding a personal field, that the export leaves
# out, and why.
EXEMPT = {
    "accounts.User": "staff accounts: the phone and e-mail of staff, not of parties",
    "axes.AccessAttempt": "staff sign-in attempts (address, browser), not parties",
    "axes.AccessFailureLog": "staff sign-in failures (address, browser), not parties",
    "axes.AccessLog": "staff sign-ins (address, browser), not parties",
    "audit.Record": "names of the changed fields and row ids, never values: nothing about the "
    "person beyond what the sections above export",
    "documents.ConfirmationReminder": "a marker that staff were reminded once; the reminder is "
    "a notification, exported",
    "supervision.SweepMark": "a marker that the sweep acted once on a deadline; the deadline "
    "is the dispute's, exported",
    "supervision.CampaignItem": "a snapshot of the dispute's status and owner for a clean-up "
    "campaign; no fact about the person",
    "meetings.ScreeningFinding": "links a screening return to the dispute; no fact of its own",
    "api.IdempotencyKey": "an API client's retry key and a digest of its request; nothing readable",
    "metrics.StayMark": "a deadline marker of the rollups, derived from the level stays (exported)",
    "spreadsheets.ImportJob": "a staff member's uploaded file, erased when the import ends or "
    "after a day when refused; its rows became the party rows exported",
    "search.SearchEntry": "the search index: words cut from the dispute's texts, which are "
    "exported, and rebuilt from them",
    "search.SearchKey": "the search index: party names, codes and number parts of the dispute, "
    "which are exported, and rebuilt from them",
    "search.DisputeLink": "a link or merge is also a dispute event (who, when, why), exported with "
    "the events; the other dispute is other people's",
    "mediators.Sitting": "links a register's mediator to a session of the dispute; the session, "
    "exported, prints the mediators' names",
    "org.Body": "a body's office address and public phone, published for the parties; not a "
    "person's",
    "conversations.Thread": "who opened a thread with the parties and when; no text: its "
    "messages are exported",
    "mediators.Mediator": "the register's record of a mediator, who serves the dispute: a "
    "mediator's own work facts, not a party's; the parties' export names the assignments",
}


def _value(obj: Any, name: str) -> Any:
    field = obj._meta.get_field(name)
    value = getattr(obj, field.attname)
    if isinstance(value, datetime):
        return _when(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if field.choices and value not in (None, ""):
        return str(getattr(obj, f"get_{name}_display")())
    return value


def _image(sealed: Any) -> str:
    """A sealed PNG (a drawn signature) as a data: URL, "" for none."""
    import base64

    raw = bytes(sealed or b"")
    if not raw:
        return ""
    return "data:image/png;base64," + base64.b64encode(lookup.open_bytes(raw)).decode("ascii")


def _section_rows(section: Section, dispute_ids: list[int], party_ids: list[int]) -> list[dict]:
    model = apps.get_model(section.model)
    ids = party_ids if section.by_party else dispute_ids
    rows = model._default_manager.filter(**{f"{section.path}__in": ids}).order_by(
        f"{section.path}_id" if "__" not in section.path else section.path, "pk"
    )
    number_path = "party__dispute__number" if section.by_party else f"{section.path}__number"
    numbers = dict(rows.values_list("pk", number_path))
    out = []
    for obj in rows:
        row = {"dispute": numbers[obj.pk]}
        if section.by_party:
            row["party"] = obj.party.name
        row |= {name: _value(obj, name) for name in section.fields}
        row |= {name: _image(getattr(obj, name)) for name in section.images}
        out.append(row)
    return out


def _bookings_by_phone(actor: Any, digest: str) -> list[dict]:
    """Reception bookings for a new matter (no dispute yet) with this contact phone, in the
    actor's scope. The phone is encrypted without a digest: the bookings of the scope, few,
    are read and compared."""
    if actor is None or not digest:
        return []
    model = apps.get_model("receptions.ReceptionBooking")
    section = next(s for s in SECTIONS if s.model == "receptions.ReceptionBooking")
    rows = access_scope(actor).filter(
        model._default_manager.filter(dispute__isnull=True),
        field="slot__day__region_code",
    )
    return [
        {"dispute": ""} | {name: _value(obj, name) for name in section.fields}
        for obj in rows.order_by("pk")
        if obj.contact_phone and lookup.digest(obj.contact_phone) == digest
    ]


def subject_data(parties: list[Party], digest: str, actor: Any = None) -> dict[str, Any]:
    """Everything held about the person: their party rows (unmasked: it is for them), the
    disputes' facts, the events of those disputes, who revealed their numbers, and the
    subject-access searches made for them."""
    disputes = {p.dispute_id: p.dispute for p in parties}
    party_ids = [p.pk for p in parties]
    events = (
        events_of_disputes(disputes).select_related("body", "dispute").order_by("dispute_id", "id")
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
    data: dict[str, Any] = {
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
    for section in SECTIONS:
        data[section.key] = _section_rows(section, list(disputes), party_ids)
    data["reception_bookings"] += _bookings_by_phone(actor, digest)
    return data


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
    for section in SECTIONS:
        columns = [("dispute", _("纠纷编号"))]
        if section.by_party:
            columns.append(("party", _("姓名或名称")))
        model = apps.get_model(section.model)
        columns += [
            (name, str(model._meta.get_field(name).verbose_name)) for name in section.fields
        ]
        sheets.append((section.title, section.key, columns))
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
