"""Writes of the documents app, and the making of documents.

Every function fetches the dispute through jiefen.disputes.access.dispute_for (not yours = does
not exist), checks the actor's seat, validates everything before writing anything, and raises
a jiefen.disputes.lifecycle.DisputeError with a message for people otherwise.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.audit.services import audit_document_sign
from jiefen.disputes.access import dispute_for, roles_by_body
from jiefen.disputes.models import Agreement, Dispute, Event, Outcome, Party, PartyKind, Reveal
from jiefen.disputes.reads import events_in, parties_of, party_get
from jiefen.disputes.services import (
    dispute_note,
    dispute_query_digest_set,
    party_address_set,
    party_reveal,
)
from jiefen.documents import signing
from jiefen.documents.assent import agreement_text, assents_void_changed, signatures_in_force
from jiefen.documents.builders import KINDS, Facts, Identifiers
from jiefen.documents.models import (
    SEALED,
    AgreementDetail,
    Confirmation,
    ConfirmationReminder,
    ConfirmationResult,
    Gender,
    PartyDetail,
)
from jiefen.lib.errors import CORRECT_THE_FORM, Errors, Forbidden, Invalid, NotFound
from jiefen.ops.batches import each_in_batches, write_batch
from jiefen.org.models import Membership, Role

log = logging.getLogger(__name__)

STAFF_ROLES = frozenset({Role.CLERK, Role.MEDIATOR, Role.HEAD})
CONFIRMATION_DAYS = 30
REMIND_DAYS_BEFORE = (7, 2)
APPLY = "confirmation_apply"
RESULT = "confirmation_result"
REMINDER_KIND = "confirmation_due"
# Reminders written per transaction of the sweep.
REMIND_BATCH = 20
QUERY_CODE = "query_code_issue"
FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def confirmation_last_day(signed_on: date) -> date:
    """The last day on which the parties may jointly apply for judicial confirmation.

    People's Mediation Law Art. 33: within 30 days of the agreement taking effect. The day the
    agreement is signed (and takes effect) is not counted, as periods are counted in Chinese
    civil procedure, so the window ends 30 calendar days after the signing date: signed on
    31 January 2026 → last day 2 March 2026. No working-day calendar applies; when the last day
    falls on a holiday a court may accept the next working day, but reminders go by this day,
    the earlier and safer one."""
    return signed_on + timedelta(days=CONFIRMATION_DAYS)


def may_edit(actor: Any, dispute: Dispute) -> bool:
    """Staff of the body holding the dispute fill in the documents' data."""
    if not getattr(actor, "is_active", False):
        return False
    if actor.is_superuser:
        return True
    return bool(roles_by_body(actor).get(dispute.holder_id, set()) & STAFF_ROLES)


def _editable(actor: Any, dispute_id: Any, *, for_update: bool = False) -> Dispute:
    dispute = dispute_for(actor, dispute_id, for_update=for_update)
    if not may_edit(actor, dispute):
        raise Forbidden(_("只有承办主体的工作人员可以填写文书信息"))
    return dispute


# ---------------------------------------------------------------------------------------------
# The data the agreement needs


@dataclass
class PartyDetailInput:
    address: str | None = None  # None: left as it is
    gender: str = ""
    age: int | None = None
    ethnicity: str = ""
    occupation: str = ""
    employer: str = ""
    legal_representative: str = ""
    representative_title: str = ""


def party_detail_save(
    *, actor: Any, party_id: Any, data: PartyDetailInput, at: datetime | None = None
) -> PartyDetail:
    """Record a party's basic facts for the agreement (Art. 29)."""
    try:
        party = party_get(int(party_id))
    except (Party.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("当事人不存在或不在您的管辖范围内")) from None
    try:
        dispute = _editable(actor, party.dispute_id)
    except NotFound:
        raise NotFound(_("当事人不存在或不在您的管辖范围内")) from None
    errors = Errors(CORRECT_THE_FORM)
    values = {
        "ethnicity": errors.text("ethnicity", data.ethnicity, 20),
        "occupation": errors.text("occupation", data.occupation, 50),
        "employer": errors.text("employer", data.employer, 100),
        "legal_representative": errors.text("legal_representative", data.legal_representative, 50),
        "representative_title": errors.text("representative_title", data.representative_title, 50),
        "gender": data.gender or "",
        "age": data.age,
    }
    if values["gender"] and values["gender"] not in Gender.values:
        errors.add("gender", _("性别无效"))
    if data.age is not None and not 0 < int(data.age) <= 130:
        errors.add("age", _("年龄应为 1 至 130 的整数"))
    if party.kind == PartyKind.ORGANISATION:
        values.update(gender="", age=None, ethnicity="", occupation="", employer="")
    else:
        values.update(legal_representative="", representative_title="")
    address = None if data.address is None else errors.text("address", data.address, 200)
    errors.raise_if_any()
    if address is not None:
        party_address_set(party=party, address=address)
    detail, _created = PartyDetail.objects.update_or_create(
        party=party,
        defaults=values | {"updated_at": at or timezone.now(), "updated_by": actor},
    )
    log.info("party details of dispute %s updated by %s", dispute.pk, actor.pk)
    return detail


# The field name a reveal of a person's sealed facts is logged under (Reveal.field).
DETAIL_REVEAL = "document_detail"


def party_detail_reveal(*, actor: Any, party_id: Any, reason: str) -> PartyDetail | None:
    """A party's recorded facts in full, for staff who may edit them, with the reason logged
    as a Reveal (as for phone and ID numbers; the values themselves are never logged). None
    when nothing is recorded (then nothing is logged either)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("请填写查看理由"), fields={"reason": [_("查看完整信息必须说明理由")]})
    if len(reason) > 200:
        raise Invalid(_("理由过长"), fields={"reason": [_("不能超过 200 个字")]})
    try:
        party = party_get(int(party_id))
        dispute = _editable(actor, party.dispute_id)
    except (Party.DoesNotExist, NotFound, TypeError, ValueError):
        raise NotFound(_("当事人不存在或不在您的管辖范围内")) from None
    detail = PartyDetail.objects.filter(party=party).first()
    if detail is None or not detail.recorded:
        return None
    Reveal.objects.create(
        actor=actor, dispute=dispute, party=party, field=DETAIL_REVEAL, reason=reason
    )
    return detail


def party_details_erase(*, party_ids: Any) -> int:
    """Erase the basic facts of parties whose personal data is purged (privacy schedule)."""
    deleted, _rows = PartyDetail.objects.filter(party_id__in=list(party_ids)).delete()
    return deleted


@dataclass
class AgreementDetailInput:
    responsibility: str = ""
    performance_method: str = ""
    performance_deadline: date | None = None
    performed_on_signing: bool = False
    mediators: str = ""
    committee: str = ""


def _agreement_of(dispute: Dispute) -> Agreement:
    agreement = Agreement.objects.filter(dispute=dispute).first()
    if agreement is None or dispute.outcome != Outcome.AGREEMENT:
        raise Invalid(_("该纠纷未以达成调解协议办结，没有调解协议"))
    return agreement


def agreement_detail_save(
    *, actor: Any, dispute_id: Any, data: AgreementDetailInput, at: datetime | None = None
) -> AgreementDetail:
    """Record the agreement's items the Agreement row does not hold (Art. 29). A change of
    the text voids the parties' answers to the earlier one (assent.assents_void_changed)."""
    with transaction.atomic():
        dispute = _editable(actor, dispute_id, for_update=True)
        detail = _agreement_detail_write(dispute, actor, data, at or timezone.now())
        assents_void_changed(dispute=dispute, actor=actor, now=at or timezone.now())
    return detail


def _agreement_detail_write(
    dispute: Dispute, actor: Any, data: AgreementDetailInput, at: datetime
) -> AgreementDetail:
    agreement = _agreement_of(dispute)
    errors = Errors(CORRECT_THE_FORM)
    deadline = None if data.performed_on_signing else data.performance_deadline
    values: dict[str, Any] = {
        "responsibility": errors.text("responsibility", data.responsibility, 3000),
        "performance_method": errors.text("performance_method", data.performance_method, 2000),
        "mediators": errors.text("mediators", data.mediators, 200),
        "committee": errors.text("committee", data.committee, 100),
        "performed_on_signing": bool(data.performed_on_signing),
        "performance_deadline": deadline,
    }
    if deadline is not None and deadline < agreement.signed_on:
        errors.add("performance_deadline", _("履行期限不能早于协议签订日期"))
    errors.raise_if_any()
    detail, _created = AgreementDetail.objects.update_or_create(
        agreement=agreement, defaults=values | {"updated_at": at, "updated_by": actor}
    )
    return detail


DETAIL_TEXTS = (
    "ethnicity",
    "occupation",
    "employer",
    "legal_representative",
    "representative_title",
)


@dataclass
class PartyItems:
    """A bound party's basic facts as the resolve form takes them (address included)."""

    address: str = ""
    gender: str = ""
    age: int | None = None
    ethnicity: str = ""
    occupation: str = ""
    employer: str = ""
    legal_representative: str = ""
    representative_title: str = ""


def agreement_items_check(
    *,
    parties: list[tuple[Party, PartyItems]],
    detail: AgreementDetailInput,
    facts: str,
    terms: str,
    signed_on: date | None,
) -> None:
    """Everything Article 29 requires, before anything is written: the facts and issues, each
    party's responsibility, the terms, how and by when they are performed, the mediators, and
    for an organisation its domicile and legal representative. Personal facts the law does not
    name (sex, age, ethnicity, occupation, employer) are optional. Raises Invalid naming the
    resolve form's fields."""
    errors = Errors(CORRECT_THE_FORM)
    required = _("达成调解协议的，须填写此项（人民调解法第二十九条）")
    for name, value in (
        ("facts", facts),
        ("terms", terms),
        ("responsibility", detail.responsibility),
        ("performance", detail.performance_method),
        ("mediators", detail.mediators),
    ):
        if not (value or "").strip():
            errors.add(name, required)
    errors.text("responsibility", detail.responsibility, 3000)
    errors.text("mediators", detail.mediators, 200)
    errors.text("committee", detail.committee, 100)
    if not detail.performed_on_signing:
        if detail.performance_deadline is None:
            errors.add("performance_deadline", _("请填写履行期限，或勾选签订时当场履行完毕"))
        elif signed_on is not None and detail.performance_deadline < signed_on:
            errors.add("performance_deadline", _("履行期限不能早于协议签订日期"))
    for party, items in parties:
        prefix = f"party-{party.pk}-"
        errors.text(prefix + "address", items.address, 200)
        if party.kind == PartyKind.ORGANISATION:
            if not items.address.strip():
                errors.add(prefix + "address", _("请填写单位的住所"))
            if not items.legal_representative.strip():
                errors.add(prefix + "legal_representative", _("请填写法定代表人或者负责人"))
        for name, limit in (
            ("ethnicity", 20),
            ("occupation", 50),
            ("employer", 100),
            ("legal_representative", 50),
            ("representative_title", 50),
        ):
            errors.text(prefix + name, getattr(items, name), limit)
        if items.gender and items.gender not in Gender.values:
            errors.add(prefix + "gender", _("性别无效"))
        if items.age is not None and not 0 < int(items.age) <= 130:
            errors.add(prefix + "age", _("年龄应为 1 至 130 的整数"))
    errors.raise_if_any()


@transaction.atomic
def agreement_items_save(
    *,
    actor: Any,
    dispute_id: Any,
    parties: dict[int, PartyItems],
    detail: AgreementDetailInput,
    at: datetime | None = None,
) -> None:
    """Record, with the resolution and in its transaction, what the agreement document needs:
    the bound parties' addresses and basic facts and the agreement's own items. Checked
    first (agreement_items_check); nothing is written unless everything is right."""
    now = at or timezone.now()
    dispute = _editable(actor, dispute_id, for_update=True)
    agreement = _agreement_of(dispute)
    rows = {p.pk: p for p in parties_of(dispute, pk__in=list(parties))}
    if set(rows) != set(parties):
        raise NotFound(_("当事人不存在或不在您的管辖范围内"))
    agreement_items_check(
        parties=[(rows[pk], items) for pk, items in parties.items()],
        detail=detail,
        facts=agreement.facts,
        terms=agreement.terms,
        signed_on=agreement.signed_on,
    )
    for pk, items in parties.items():
        party = rows[pk]
        party_address_set(party=party, address=items.address.strip())
        values = {name: (getattr(items, name) or "").strip() for name in DETAIL_TEXTS} | {
            "gender": items.gender or "",
            "age": items.age,
        }
        if party.kind == PartyKind.ORGANISATION:
            values.update(gender="", age=None, ethnicity="", occupation="", employer="")
        else:
            values.update(legal_representative="", representative_title="")
            # The resolve form shows recorded facts masked, never their values: a field left
            # blank there keeps what is recorded (the details page, after a reveal, clears).
            known = PartyDetail.objects.filter(party=party).first()
            if known is not None:
                for name in SEALED:
                    if values[name] in ("", None):
                        values[name] = getattr(known, name)
        PartyDetail.objects.update_or_create(
            party=party, defaults=values | {"updated_at": now, "updated_by": actor}
        )
    AgreementDetail.objects.update_or_create(
        agreement=agreement,
        defaults={
            "responsibility": detail.responsibility.strip(),
            "performance_method": detail.performance_method.strip(),
            "mediators": detail.mediators.strip(),
            "committee": detail.committee.strip(),
            "performed_on_signing": bool(detail.performed_on_signing),
            "performance_deadline": None
            if detail.performed_on_signing
            else detail.performance_deadline,
            "updated_at": now,
            "updated_by": actor,
        },
    )
    assents_void_changed(dispute=dispute, actor=actor, now=now)
    log.info("agreement items of dispute %s recorded by %s", dispute.pk, actor.pk)


# ---------------------------------------------------------------------------------------------
# Documents


@dataclass
class Document:
    filename: str
    content_type: str
    data: bytes


class Unprintable(Invalid):
    """A PDF with a character no embedded font can print: refused rather than boxed or dropped."""

    code = "unprintable"

    def __init__(self, title: str, char: str) -> None:
        super().__init__(
            _(
                "《%(document)s》的 PDF 无法显示字符“%(char)s”（%(code)s），"
                "没有一种内嵌字体包含它。请下载 Word 版，或在当事人信息中改用可显示的写法。"
            )
            % {"document": title, "char": char, "code": f"U+{ord(char):04X}"}
        )
        self.char = char


class Incomplete(Invalid):
    """A document that may not be made yet; `missing` names what is missing."""

    code = "incomplete"

    def __init__(self, title: str, missing: list[str]) -> None:
        super().__init__(
            _("《%(document)s》缺少以下事项，暂不能生成：%(items)s")
            % {"document": title, "items": str(_("；")).join(missing)}
        )
        self.missing = missing


def document_missing(dispute: Dispute, kind: str, facts: Facts | None = None) -> list[str]:
    return KINDS[kind].missing(facts or Facts.of(dispute))


def document_make(
    *,
    actor: Any,
    dispute_id: Any,
    kind: str,
    fmt: str,
    reveal_reason: str = "",
    at: datetime | None = None,
) -> Document:
    """One document of a dispute the actor may see, as Word or PDF. ID and phone numbers are
    masked, unless `reveal_reason` is given by staff of the holding body: then each number the
    document shows is revealed through jiefen.disputes.services.party_reveal (one logged
    Reveal per number) in one transaction with the making, so a failure logs nothing."""
    if kind not in KINDS or fmt not in FORMATS:
        raise NotFound(_("没有这种文书"))
    dispute = dispute_for(actor, dispute_id)
    spec = KINDS[kind]
    title = str(spec.title)
    reveal_reason = (reveal_reason or "").strip()
    if reveal_reason and not may_edit(actor, dispute):
        raise Forbidden(_("只有承办主体的工作人员可以生成含完整证件号码和电话的文书"))
    facts = Facts.of(dispute)
    missing = spec.missing(facts)
    if missing:
        raise Incomplete(title, missing)
    if kind == "agreement":
        # The parties' confirmations of the text as it is now, with their drawn signatures.
        facts.confirmations = signatures_in_force(facts, agreement_text(facts).digest)
    moment = at or timezone.now()
    with transaction.atomic():
        ids = Identifiers()
        if reveal_reason:
            # A dry run tells which numbers this document shows; only those are revealed.
            spec.write(_NullWriter(), facts, ids)
            for party_id, name in sorted(ids.used):
                ids.full[(party_id, name)] = party_reveal(
                    actor=actor, party_id=party_id, field=name, reason=reveal_reason
                )
        data = _render(spec, facts, ids, fmt, title=title, author=dispute.holder.name, at=moment)
        if kind in SIGNED_KINDS and fmt == "pdf" and signing.signer() is not None:
            data = _signed(dispute, facts, kind, title, data)
    return Document(
        filename=f"{dispute.number}-{title}.{fmt}", content_type=FORMATS[fmt], data=data
    )


# The documents whose PDF is signed with the deployment's certificate (jiefen.documents.signing).
SIGNED_KINDS = frozenset({"agreement"})


def _signed(dispute: Dispute, facts: Facts, kind: str, title: str, data: bytes) -> bytes:
    """The PDF signed in the name of the committee holding the dispute (the one the agreement
    names), its SHA-256 recorded in the audit chain with the dispute and the kind."""
    detail = facts.agreement_detail
    committee = (detail.committee if detail is not None else "") or dispute.holder.name
    signed = signing.sign(
        data,
        reason=_("%(committee)s出具%(document)s（%(number)s）")
        % {"committee": committee, "document": title, "number": dispute.number},
        location=committee,
        name=committee,
    )
    audit_document_sign(
        dispute_id=dispute.pk,
        region_code=dispute.region_code,
        kind=kind,
        sha256=hashlib.sha256(signed).hexdigest(),
    )
    return signed


def _render(
    spec: Any, facts: Facts, ids: Identifiers, fmt: str, *, title: str, author: str, at: datetime
) -> bytes:
    if fmt == "pdf":
        from jiefen.documents.pdf import MissingGlyph, Pdf

        writer: Any = Pdf(title=title, author=author, moment=at)
        try:
            spec.write(writer, facts, ids)
        except MissingGlyph as error:
            raise Unprintable(title, error.char) from None
        return writer.bytes()
    else:
        from jiefen.documents.word import LegalWord

        writer = LegalWord(title=title, author=author, moment=at)
    spec.write(writer, facts, ids)
    return writer.bytes()


def acceptance_with_code(
    *, actor: Any, dispute_id: Any, fmt: str, at: datetime | None = None
) -> Document:
    """The applicant's copy of the acceptance notice, with a query code printed on it.

    The notice goes to the applicant, who needs the code to follow the dispute online, so
    printing it there is right; but only a digest of a code is ever kept, so an earlier code
    cannot be read back. A new one is issued: it replaces any earlier code (which stops
    working), is printed on this copy only, and the issue is an event in the history. Staff
    of the holding body only; the plain notice (document_make) never carries a code."""
    from jiefen.disputes.public import QUERY_ALPHABET, QUERY_LENGTH, query_digest

    if fmt not in FORMATS:
        raise NotFound(_("没有这种文书"))
    spec = KINDS["acceptance"]
    title = str(spec.title)
    moment = at or timezone.now()
    with transaction.atomic():
        dispute = _editable(actor, dispute_id, for_update=True)
        facts = Facts.of(dispute)
        missing = spec.missing(facts)
        if missing:
            raise Incomplete(title, missing)
        code = "".join(secrets.choice(QUERY_ALPHABET) for _i in range(QUERY_LENGTH))
        replaced = bool(dispute.query_digest)
        dispute_query_digest_set(dispute=dispute, digest=query_digest(code))
        dispute_note(
            dispute=dispute,
            action=QUERY_CODE,
            actor=actor,
            at=moment,
            body_id=dispute.holder_id,
            params={"replaced": replaced},
        )
        facts.query_code = code
        data = _render(
            spec, facts, Identifiers(), fmt, title=title, author=dispute.holder.name, at=moment
        )
    return Document(
        filename=f"{dispute.number}-{title}.{fmt}", content_type=FORMATS[fmt], data=data
    )


class _NullWriter:
    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


# ---------------------------------------------------------------------------------------------
# Judicial confirmation


def _confirmation_row(dispute: Dispute, agreement: Agreement, actor: Any, now: datetime) -> Any:
    row, _created = Confirmation.objects.select_for_update().get_or_create(
        agreement=agreement,
        defaults={"dispute": dispute, "updated_at": now, "updated_by": actor},
    )
    return row


def confirmation_apply(
    *, actor: Any, dispute_id: Any, applied_on: date | None, court: str, at=None
) -> Confirmation:
    """Record that the parties jointly applied to `court` on `applied_on`."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    errors = Errors(CORRECT_THE_FORM)
    court = errors.text("court", court, 100)
    if not court:
        errors.add("court", _("请填写受理法院"))
    if applied_on is None:
        errors.add("applied_on", _("请填写申请日期"))
    elif applied_on > today:
        errors.add("applied_on", _("申请日期不能晚于今天"))
    errors.raise_if_any()
    assert applied_on is not None
    with transaction.atomic():
        dispute = _editable(actor, dispute_id, for_update=True)
        agreement = _agreement_of(dispute)
        if applied_on < agreement.signed_on:
            raise Invalid(
                _("申请日期不能早于协议签订日期"),
                fields={"applied_on": [_("申请日期不能早于协议签订日期")]},
            )
        row = _confirmation_row(dispute, agreement, actor, now)
        row.applied_on, row.court = applied_on, court
        row.updated_at, row.updated_by = now, actor
        row.save()
        last = confirmation_last_day(agreement.signed_on)
        _event(
            dispute,
            APPLY,
            actor,
            now,
            {"applied_on": applied_on.isoformat(), "last_day": last.isoformat()}
            | {"in_time": applied_on <= last},
            reason=court,
        )
    return row


def confirmation_result(
    *, actor: Any, dispute_id: Any, result: str, result_on: date | None, at=None
) -> Confirmation:
    """Record the court's ruling on an application already recorded."""
    now = at or timezone.now()
    errors = Errors(CORRECT_THE_FORM)
    if result not in ConfirmationResult.values:
        errors.add("result", _("请选择确认结果"))
    if result_on is None:
        errors.add("result_on", _("请填写裁定日期"))
    elif result_on > timezone.localdate(now):
        errors.add("result_on", _("裁定日期不能晚于今天"))
    errors.raise_if_any()
    assert result_on is not None
    with transaction.atomic():
        dispute = _editable(actor, dispute_id, for_update=True)
        agreement = _agreement_of(dispute)
        row = Confirmation.objects.select_for_update().filter(agreement=agreement).first()
        if row is None or row.applied_on is None:
            raise Invalid(_("请先登记司法确认申请"))
        if result_on < row.applied_on:
            raise Invalid(
                _("裁定日期不能早于申请日期"),
                fields={"result_on": [_("裁定日期不能早于申请日期")]},
            )
        row.result, row.result_on = result, result_on
        row.updated_at, row.updated_by = now, actor
        row.save()
        _event(dispute, RESULT, actor, now, {"result": result, "result_on": result_on.isoformat()})
    return row


def _event(
    dispute: Dispute, action: str, actor: Any, now: datetime, params: dict, reason=""
) -> Event:
    return dispute_note(
        dispute=dispute,
        action=action,
        actor=actor,
        at=now,
        body_id=dispute.holder_id,
        reason=reason,
        params=params,
        public=True,
    )


def confirmation_reminders(*, today: date, at: datetime | None = None) -> int:
    """Remind the holding body's staff 7 and 2 days before an agreement's last day for
    judicial confirmation, once each (a ConfirmationReminder row per reminder; a rerun finds
    it and sends nothing). A sweep missed on the day still reminds on a later day inside the
    same stage. Agreements already applied for, and disputes reopened since, are skipped.
    Called by the supervision sweep; returns how many reminders were sent."""
    from jiefen.supervision.notifications import notify

    now = at or timezone.now()
    earliest = today - timedelta(days=CONFIRMATION_DAYS)
    # Agreements still in their window were resolved on or after their signing date: the
    # resolve events of the last 30 days (indexed by time) find them without a table scan.
    since = timezone.make_aware(datetime.combine(earliest, time.min))
    dispute_ids = set(events_in(start=since, action="resolve").values_list("dispute_id", flat=True))
    sent = 0
    agreements = list(
        Agreement.objects.filter(
            dispute_id__in=dispute_ids,
            signed_on__gte=earliest,
            dispute__outcome=Outcome.AGREEMENT,
        )
        .exclude(confirmation__applied_on__isnull=False)
        .select_related("dispute")
        .order_by("dispute_id")
    )
    # Reminders already sent are skipped before any write is tried.
    done = set(
        ConfirmationReminder.objects.filter(
            dispute_id__in=[a.dispute_id for a in agreements]
        ).values_list("dispute_id", "last_day", "days_before")
    )
    due: list[tuple[Any, Any, int, int]] = []
    for agreement in agreements:
        last = confirmation_last_day(agreement.signed_on)
        left = (last - today).days
        stage = next((d for d in sorted(REMIND_DAYS_BEFORE) if 0 <= left <= d), None)
        if stage is not None and (agreement.dispute_id, last, stage) not in done:
            due.append((agreement.dispute, last, stage, left))
    # Read first (no lock), then written REMIND_BATCH per short transaction, each reminder in
    # a savepoint of its own: one sent by another process just now is skipped.
    for batch in each_in_batches(due, REMIND_BATCH):
        with write_batch():
            for dispute, last, stage, left in batch:
                try:
                    with transaction.atomic():
                        ConfirmationReminder.objects.create(
                            dispute=dispute, last_day=last, days_before=stage, sent_at=now
                        )
                        recipients = list(
                            Membership.objects.filter(
                                body_id=dispute.holder_id,
                                role__in=STAFF_ROLES,
                                user__is_active=True,
                            ).values_list("user_id", flat=True)
                        )
                        notify(
                            recipients=[*recipients, dispute.owner_id],
                            kind=REMINDER_KIND,
                            dispute=dispute,
                            key=f"{last.isoformat()}:{stage}",
                            params={"date": last.isoformat(), "days": left},
                            at=now,
                        )
                except IntegrityError:
                    continue  # sent by an earlier run, or by another process just now
                sent += 1
    return sent


def reminder_text(params: Any) -> str:
    return _(
        "纠纷 %(number)s 的调解协议申请司法确认的期限至 %(date)s 届满（还剩 %(days)s 天），"
        "请提示当事人及时共同申请"
    ) % {
        "number": params["number"],
        "date": params["date"],
        "days": params["days"],
    }
