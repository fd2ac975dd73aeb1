"""Writes and the making of the judicial-confirmation application (司法确认).

The parties jointly apply to the basic people's court within 30 days of the agreement
(People's Mediation Law Art. 33; documents.services.confirmation_last_day). Here:

* each party uploads an identity document in the portal (identity_upload_by_party), or staff
  of the holding body upload it for them (identity_upload_for_party); only PDF, JPEG and PNG,
  checked by content, sealed at rest;
* staff of the holding body assemble the application on the parties' behalf: bundle_make
  fills the joint application from the record with the parties' full numbers (each number a
  logged reveal, as for any document with full numbers), adds the signed agreement, the list
  of materials and the identity documents, and returns the bundle (made on demand, never kept);
* application_send gives the bundle to the court interface (jiefen.courts.gateway) and records
  the application as applied through documents.services.confirmation_apply, in one transaction:
  a refusal or a failed send records nothing. The court's acceptance and result are recorded
  afterwards as before (documents.services.confirmation_result).

Every refusal is a jiefen.lib.errors.DisputeError with a message for people.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.attachments import kinds
from jiefen.attachments.services import Refused, read_checked, size_limit_message
from jiefen.attachments.storage import max_bytes, random_name, upload_storage
from jiefen.courts import papers
from jiefen.courts.gateway import Bundle, gateway, gateway_name
from jiefen.courts.models import CourtSubmission, IdentityDocument
from jiefen.disputes import services as dispute_services
from jiefen.disputes.access import dispute_for
from jiefen.disputes.models import Agreement, Dispute, Outcome, Party, PartyKind, Reveal, Side
from jiefen.disputes.reads import dispute_get, parties_of
from jiefen.disputes.services import party_reveal
from jiefen.documents import services as documents
from jiefen.documents.models import Confirmation, PartyDetail
from jiefen.lib.errors import Forbidden, Invalid, NotFound
from jiefen.lib.sealed import open_bytes, seal_bytes
from jiefen.regions.models import Region

log = logging.getLogger(__name__)

# The parties who apply (agents apply for them and are not applicants themselves).
PRINCIPALS = (Side.APPLICANT, Side.RESPONDENT, Side.THIRD)
ACCEPTED = (kinds.PDF, kinds.JPEG, kinds.PNG)
# The field a staff member's view of an identity document is logged under (Reveal.field).
IDENTITY_REVEAL = "court_identity"
MAX_PAGES = 10


class NotAccepted(Refused):
    """An upload an identity document cannot be: `code` says why (kind, broken, pages)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def may_assemble(actor: Any, dispute: Dispute) -> bool:
    """Staff of the holding body assemble and send the application for the parties."""
    return documents.may_edit(actor, dispute)


def court_default(dispute: Dispute) -> str:
    """The court the staff are offered: settings.JIEFEN_COURT_NAME, else the basic people's
    court of the county-level division the dispute arose in (诸暨市 → 诸暨市人民法院)."""
    configured = getattr(settings, "JIEFEN_COURT_NAME", "")
    if configured:
        return str(configured)
    code = str(dispute.region_code)
    county = Region.objects.filter(code=int(code[:6] + "0" * (len(code) - 6))).first()
    return _("%(county)s人民法院") % {"county": county.name} if county else ""


def accepted_labels() -> str:
    return _("、").join(str(kind.label) for kind in ACCEPTED)


def _principals(dispute: Dispute) -> list[Party]:
    order = {side: i for i, side in enumerate(PRINCIPALS)}
    parties = [
        p
        for p in parties_of(dispute, side__in=PRINCIPALS, anonymised_at=None)
        .select_related("court_identity", "document_detail")
        .order_by("id")
    ]
    parties.sort(key=lambda p: (order[Side(p.side)], p.pk))
    return parties


def _identity(party: Party) -> IdentityDocument | None:
    try:
        return party.court_identity  # type: ignore[attr-defined]
    except IdentityDocument.DoesNotExist:
        return None


def _agreement(dispute: Dispute) -> Agreement | None:
    try:
        agreement = dispute.agreement
    except Agreement.DoesNotExist:
        return None
    return agreement if dispute.outcome == Outcome.AGREEMENT else None


# ---------------------------------------------------------------------------------------------
# Where the application stands


@dataclass
class State:
    """What the page shows: the window, what is still missing, what was sent."""

    dispute: Dispute
    agreement: Agreement | None
    last_day: date | None
    days_left: int
    parties: list[Party]
    documents: dict[int, IdentityDocument]
    confirmation: Confirmation | None
    submission: CourtSubmission | None
    agreement_missing: list[str] = field(default_factory=list)

    @property
    def open(self) -> bool:
        """Within the 30-day window and not yet applied for."""
        return (
            self.agreement is not None
            and self.days_left >= 0
            and self.submission is None
            and not (self.confirmation and self.confirmation.applied_on)
        )

    @property
    def closed(self) -> bool:
        """The window has passed without an application."""
        return (
            self.agreement is not None
            and self.days_left < 0
            and self.submission is None
            and not (self.confirmation and self.confirmation.applied_on)
        )

    @property
    def applied(self) -> bool:
        return bool(self.submission or (self.confirmation and self.confirmation.applied_on))

    @property
    def missing(self) -> list[str]:
        """What must be there before the application can be sent, in words."""
        items = [
            _("%(side)s%(name)s的身份证明材料") % {"side": p.get_side_display(), "name": p.name}
            for p in self.parties
            if p.pk not in self.documents
        ]
        if self.agreement_missing:
            items.append(
                _("调解协议书所需事项：%(items)s") % {"items": _("、").join(self.agreement_missing)}
            )
        if not self.parties:
            items.append(_("当事人"))
        return items

    @property
    def ready(self) -> bool:
        return self.open and not self.missing


def state_of(dispute: Dispute, *, today: date | None = None) -> State:
    today = today or timezone.localdate()
    agreement = _agreement(dispute)
    parties = _principals(dispute)
    docs = {p.pk: doc for p in parties if (doc := _identity(p)) is not None}
    last = documents.confirmation_last_day(agreement.signed_on) if agreement else None
    return State(
        dispute=dispute,
        agreement=agreement,
        last_day=last,
        days_left=(last - today).days if last else -1,
        parties=parties,
        documents=docs,
        confirmation=Confirmation.objects.filter(agreement=agreement).first()
        if agreement
        else None,
        submission=CourtSubmission.objects.filter(agreement=agreement).first()
        if agreement
        else None,
        agreement_missing=documents.document_missing(dispute, "agreement") if agreement else [],
    )


def closed_message(last_day: date) -> str:
    return _(
        "申请司法确认的期限已于 %(date)s 届满（调解协议生效之日起三十日内），"
        "已不能再申请司法确认。调解协议仍有法律约束力，当事人应当按照约定履行；"
        "一方不履行或者对协议的履行、内容发生争议的，当事人可以向人民法院提起诉讼，"
        "也可以再次申请调解。"
    ) % {"date": last_day.isoformat()}


def _check_open(state: State) -> None:
    if state.agreement is None:
        raise Invalid(_("该纠纷没有生效的调解协议，不能申请司法确认。"))
    if state.applied:
        raise Invalid(_("司法确认申请已经提交法院，不能重复提交或更改材料。"))
    if state.closed:
        assert state.last_day is not None
        raise Invalid(closed_message(state.last_day))


# ---------------------------------------------------------------------------------------------
# Identity documents


def broken_message() -> str:
    return _("无法读取这个文件（已损坏或设有密码），请重新拍照、扫描或换一个文件。")


def kind_message() -> str:
    return _("身份证明材料只能上传 %(kinds)s（身份证正反面照片或扫描件）。") % {
        "kinds": accepted_labels()
    }


def pages_message() -> str:
    return _("身份证明材料不能超过 %(n)s 页。") % {"n": MAX_PAGES}


def _checked_upload(upload: Any) -> tuple[bytes, kinds.Kind]:
    if upload is None:
        raise NotAccepted(_("请选择要上传的文件。"), code="none")
    try:
        data, kind = read_checked(upload)
    except Refused:
        if (getattr(upload, "size", 0) or 0) > max_bytes():
            raise NotAccepted(size_limit_message(), code="size") from None
        raise NotAccepted(kind_message(), code="kind") from None
    if kind not in ACCEPTED:
        raise NotAccepted(kind_message(), code="kind")
    if kind == kinds.PDF:
        pages = papers.readable_pdf(data)
        if pages is None:
            raise NotAccepted(broken_message(), code="broken")
        if pages > MAX_PAGES:
            raise NotAccepted(pages_message(), code="pages")
    elif not papers.readable_image(data):
        raise NotAccepted(broken_message(), code="broken")
    return data, kind


def _store(*, dispute: Dispute, party: Party, upload: Any, actor: Any, at: datetime | None):
    """Check, seal and store the upload as `party`'s identity document, replacing an earlier
    one. Nothing is kept unless all of it succeeds: a new file is removed again on failure, the
    replaced one only after the commit."""
    data, kind = _checked_upload(upload)
    storage = upload_storage()
    stored = storage.save(f"courts/{random_name()}", ContentFile(seal_bytes(data)))
    try:
        with transaction.atomic():
            locked = dispute_for_system(dispute.pk)
            _check_open(state_of(locked))
            old = IdentityDocument.objects.select_for_update().filter(party=party).first()
            values = {
                "dispute": locked,
                "kind": kind.key,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "stored_name": stored,
                "uploaded_at": at or timezone.now(),
                "uploaded_by": actor,
            }
            if old is None:
                row = IdentityDocument.objects.create(party=party, **values)
            else:
                previous = old.stored_name
                for name, value in values.items():
                    setattr(old, name, value)
                old.save()
                row = old
                transaction.on_commit(lambda: upload_storage().delete(previous))
    except BaseException:
        storage.delete(stored)
        raise
    log.info("identity document stored", extra={"dispute": dispute.pk, "party": party.pk})
    return row


def dispute_for_system(pk: int) -> Dispute:
    """The dispute row locked, for a write whose actor was checked already (a party proved in
    the portal has no staff account)."""
    return dispute_services.dispute_lock(pk)


def identity_upload_by_party(*, party: Party, upload: Any, at: datetime | None = None):
    """The party's own identity document, uploaded in the portal (the caller proved the party
    with jiefen.portal.identity.current_party)."""
    if party.side not in PRINCIPALS:
        raise Forbidden(_("只有申请司法确认的当事人本人可以上传身份证明材料。"))
    dispute = dispute_get(party.dispute_id, related=["agreement"])
    return _store(dispute=dispute, party=party, upload=upload, actor=None, at=at)


def identity_upload_for_party(
    *, actor: Any, dispute_id: Any, party_id: Any, upload: Any, at: datetime | None = None
):
    """Staff of the holding body upload a party's identity document on the party's behalf."""
    dispute = dispute_for(actor, dispute_id)
    if not may_assemble(actor, dispute):
        raise Forbidden(_("只有承办主体的工作人员可以代当事人上传身份证明材料。"))
    party = _party_of(dispute, party_id)
    return _store(dispute=dispute, party=party, upload=upload, actor=actor, at=at)


def _party_of(dispute: Dispute, party_id: Any) -> Party:
    try:
        return parties_of(dispute, side__in=PRINCIPALS, anonymised_at=None).get(pk=int(party_id))
    except (Party.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("当事人不存在或不在您的管辖范围内")) from None


def _read(row: IdentityDocument) -> bytes:
    with upload_storage().open(row.stored_name, "rb") as handle:
        data = open_bytes(handle.read())
    if hashlib.sha256(data).hexdigest() != row.sha256:
        log.error("identity document changed at rest", extra={"document": row.pk})
        raise Invalid(_("文件校验失败，已停止读取，请联系管理员。"))
    return data


def identity_of_party(*, party: Party) -> tuple[IdentityDocument, bytes] | None:
    """The party's own identity document, for the party (proved in the portal)."""
    row = IdentityDocument.objects.filter(party=party).first()
    return (row, _read(row)) if row is not None else None


def identity_reveal(
    *, actor: Any, dispute_id: Any, party_id: Any, reason: str
) -> tuple[IdentityDocument, bytes]:
    """A party's identity document for staff of the holding body, the view logged as a Reveal
    with the reason (as for phone and ID numbers)."""
    reason = _reason(reason)
    dispute = dispute_for(actor, dispute_id)
    if not may_assemble(actor, dispute):
        raise Forbidden(_("只有承办主体的工作人员可以查看当事人的身份证明材料。"))
    party = _party_of(dispute, party_id)
    row = IdentityDocument.objects.filter(party=party).first()
    if row is None:
        raise NotFound(_("该当事人尚未上传身份证明材料。"))
    with transaction.atomic():
        data = _read(row)
        Reveal.objects.create(
            actor=actor, dispute=dispute, party=party, field=IDENTITY_REVEAL, reason=reason
        )
    return row, data


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("请填写查看理由"), fields={"reason": [_("查看完整信息必须说明理由")]})
    if len(reason) > 200:
        raise Invalid(_("理由过长"), fields={"reason": [_("不能超过 200 个字")]})
    return reason


def identity_documents_erase(*, party_ids: Any) -> int:
    """Erase the identity documents of parties whose personal data is purged (privacy
    schedule): the rows now, the sealed files once the transaction commits."""
    rows = IdentityDocument.objects.filter(party_id__in=list(party_ids))
    names = list(rows.values_list("stored_name", flat=True))
    deleted, _rows = rows.delete()

    def remove() -> None:
        storage = upload_storage()
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(remove)
    return deleted


# ---------------------------------------------------------------------------------------------
# The bundle


@dataclass
class Made:
    bundle: bytes
    agreement: bytes
    court: str
    manifest: dict[str, Any]
    filename: str
    agreement_filename: str


def _court(court: str) -> str:
    court = (court or "").strip()
    if not court:
        raise Invalid(_("请填写受理法院"), fields={"court": [_("请填写受理法院")]})
    if len(court) > 100:
        raise Invalid(_("法院名称过长"), fields={"court": [_("不能超过 100 个字")]})
    return court


def _person(party: Party, full: dict[str, str]) -> papers.Person:
    detail: PartyDetail | None = getattr(party, "document_detail", None)
    organisation = party.kind == PartyKind.ORGANISATION
    representative = ""
    if organisation and detail is not None and detail.legal_representative:
        representative = detail.legal_representative + (
            f"（{detail.representative_title}）" if detail.representative_title else ""
        )
    return papers.Person(
        side=party.get_side_display(),
        name=party.name,
        organisation=organisation,
        gender=detail.get_gender_display() if detail and detail.gender and not organisation else "",
        age=detail.age if detail and not organisation else None,
        ethnicity=(detail.ethnicity or "") if detail and not organisation else "",
        address=party.address,
        id_number=full.get("id_number", ""),
        phone=full.get("phone", ""),
        representative=representative,
    )


def _make(state: State, *, actor: Any, court: str, reason: str, at: datetime) -> Made:
    """Inside the caller's transaction: every reveal it logs goes if anything fails."""
    dispute, agreement = state.dispute, state.agreement
    assert agreement is not None
    if state.missing:
        raise Invalid(
            _("申请材料尚不齐全，暂不能生成：%(items)s") % {"items": _("；").join(state.missing)}
        )
    signed = documents.document_make(
        actor=actor, dispute_id=dispute.pk, kind="agreement", fmt="pdf", reveal_reason=reason, at=at
    )
    people = []
    for party in state.parties:
        full = {}
        for name in ("id_number", "phone"):
            if getattr(party, name):
                if name == "id_number" and party.kind == PartyKind.ORGANISATION:
                    full[name] = party.id_number or ""  # a credit code is public
                else:
                    full[name] = party_reveal(
                        actor=actor, party_id=party.pk, field=name, reason=reason
                    )
        people.append(_person(party, full))
    detail = getattr(agreement, "document_detail", None)
    committee = (detail.committee if detail is not None else "") or dispute.holder.name
    identity_pages: list[tuple[Party, bytes]] = []
    for party in state.parties:
        row = state.documents[party.pk]
        data = _read(row)
        Reveal.objects.create(
            actor=actor, dispute=dispute, party=party, field=IDENTITY_REVEAL, reason=reason
        )
        caption = _("%(side)s%(name)s的身份证明材料") % {
            "side": party.get_side_display(),
            "name": party.name,
        }
        if row.kind == kinds.PDF.key:
            pdf = papers.pages_only(data)
        else:
            pdf = papers.image_page(data, caption)
        identity_pages.append((party, pdf))
    agreement_pages = papers.page_count(signed.data)
    materials = [
        (_("人民调解协议司法确认申请书"), "", _("各申请人签名或者盖章、按指印")),
        (
            _("人民调解协议书"),
            str(agreement_pages),
            _("另附带有数字签名的原件（单独的 PDF 文件）"),
        ),
        (_("司法确认申请材料清单"), "1", ""),
    ] + [
        (
            _("%(side)s%(name)s的身份证明材料") % {"side": p.get_side_display(), "name": p.name},
            str(papers.page_count(pdf)),
            _("当事人本人上传") if state.documents[p.pk].by_party else _("工作人员代为上传"),
        )
        for p, pdf in identity_pages
    ]
    application = papers.Application(
        number=dispute.number,
        court=court,
        committee=committee,
        signed_on=agreement.signed_on,
        facts=agreement.facts,
        terms=agreement.terms,
        people=people,
        materials=materials,
        moment=timezone.localtime(at),
    )
    try:
        first = papers.application_pdf(application)
        application.materials[0] = (
            application.materials[0][0],
            str(papers.page_count(first)),
            application.materials[0][2],
        )
        listing = papers.materials_pdf(application)
    except papers.Unprintable as error:
        raise Invalid(
            _("申请书无法显示字符“%(char)s”（U+%(code)04X），请在当事人信息中改用可显示的写法。")
            % {"char": error.char, "code": ord(error.char)}
        ) from None
    title = _("人民调解协议司法确认申请材料")
    bundle = papers.concatenate(
        [first, signed.data, listing, *(pdf for _p, pdf in identity_pages)],
        title=f"{dispute.number} {title}",
        author=committee,
    )
    manifest = {
        "number": dispute.number,
        "court": court,
        "committee": committee,
        "agreement_signed_on": agreement.signed_on.isoformat(),
        "applicants": [{"side": p.side, "name": p.name} for p in state.parties],
        "materials": [{"title": t, "pages": n, "remark": r} for t, n, r in materials],
        "bundle_sha256": hashlib.sha256(bundle).hexdigest(),
        "agreement_sha256": hashlib.sha256(signed.data).hexdigest(),
    }
    return Made(
        bundle=bundle,
        agreement=signed.data,
        court=court,
        manifest=manifest,
        filename=f"{dispute.number}-{title}.pdf",
        agreement_filename=signed.filename,
    )


def bundle_make(
    *, actor: Any, dispute_id: Any, court: str, reason: str, at: datetime | None = None
) -> Made:
    """The whole application as one PDF (and the signed agreement on its own), for staff of
    the holding body, inside the window. Each full number and identity document it shows is
    a logged reveal with `reason`; nothing is logged if it cannot be made."""
    court, reason = _court(court), _reason(reason)
    now = at or timezone.now()
    with transaction.atomic():
        dispute = dispute_for(actor, dispute_id)
        if not may_assemble(actor, dispute):
            raise Forbidden(_("只有承办主体的工作人员可以生成司法确认申请材料。"))
        state = state_of(dispute, today=timezone.localdate(now))
        if state.agreement is None:
            raise Invalid(_("该纠纷没有生效的调解协议，不能申请司法确认。"))
        if state.closed:
            assert state.last_day is not None
            raise Invalid(closed_message(state.last_day))
        return _make(state, actor=actor, court=court, reason=reason, at=now)


def application_send(
    *, actor: Any, dispute_id: Any, court: str, reason: str, at: datetime | None = None
) -> CourtSubmission:
    """Send the application through the court interface and record it as applied today
    (documents.services.confirmation_apply), once. The send is the last step of the
    transaction: a refusal before it sends nothing, a failed send records nothing."""
    court, reason = _court(court), _reason(reason)
    now = at or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        dispute = dispute_for(actor, dispute_id, for_update=True)
        if not may_assemble(actor, dispute):
            raise Forbidden(_("只有承办主体的工作人员可以代当事人提交司法确认申请。"))
        state = state_of(dispute, today=today)
        _check_open(state)
        made = _make(state, actor=actor, court=court, reason=reason, at=now)
        assert state.agreement is not None
        documents.confirmation_apply(
            actor=actor, dispute_id=dispute.pk, applied_on=today, court=court, at=now
        )
        try:
            with transaction.atomic():
                row = CourtSubmission.objects.create(
                    agreement=state.agreement,
                    dispute=dispute,
                    court=court,
                    sent_at=now,
                    sent_by=actor,
                    gateway=gateway_name(),
                    reference="",
                    bundle_sha256=made.manifest["bundle_sha256"],
                )
        except IntegrityError:
            raise Invalid(_("司法确认申请已经提交法院，不能重复提交或更改材料。")) from None
        receipt = gateway().submit(
            Bundle(
                number=dispute.number,
                court=court,
                files={made.filename: made.bundle, made.agreement_filename: made.agreement},
                manifest=made.manifest,
            )
        )
        row.reference = receipt.reference[:200]
        row.receipt = receipt.as_json()
        row.save(update_fields=["reference", "receipt"])
    log.info("court application sent", extra={"dispute": dispute.pk, "reference": row.reference})
    return row
