"""Each party confirms the mediation agreement (or refuses it, with a reason).

The text a party answers is the agreement as the portal shows it (agreement_text): the
parties, the facts, each party's responsibility, the terms, how and by when they are
performed, the signing date, the mediators and the committee. Its digest (SHA-256 of the
values, never of translated words) binds every answer: the one-time code is sent for the
purpose "agreement:<pk>:<digest>", so a code for one text cannot confirm a changed text, and a
page posted for an old text is refused (Stale). A change of the text voids the answers given
to the earlier one (assents_void_changed, called by every writer of the agreement's items)
and records that as an event; an answer whose digest is not the current one counts as void
wherever it is read, whoever changed the text.

A party answers online after a code to the phone on file (channel sms); a party without a
mobile phone signs a paper copy in person, which the mediator records (channel paper). Every
answer is an event of the dispute through disputes.services.dispute_note. A drawn signature is
checked (a PNG, at most SIGNATURE_BYTES, sensible dimensions, not blank), redrawn by Pillow
(nothing of the upload but its pixels is kept) and stored encrypted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.audit.services import audit_bulk
from jiefen.disputes.models import Dispute, Party
from jiefen.disputes.services import dispute_lock, dispute_note
from jiefen.documents.builders import Facts, agreement_missing
from jiefen.documents.models import Assent, AssentAnswer, AssentChannel
from jiefen.lib.errors import CORRECT_THE_FORM, Errors, Invalid, NotFound
from jiefen.lib.office import cn_date
from jiefen.lib.sealed import normalise, open_bytes, seal_bytes

CONFIRM = "agreement_confirm"
REFUSE = "agreement_refuse"
VOID = "agreement_void"
REASON_MAX = 500
SIGNATURE_BYTES = 200 * 1024
SIGNATURE_MIN = (60, 30)
SIGNATURE_MAX = (2000, 1000)
MOBILE = re.compile(r"1[3-9]\d{9}")
CHANGED = gettext_lazy("协议内容已修改，之前的确认已失效，请重新确认")
NO_AGREEMENT = gettext_lazy("该纠纷没有达成调解协议，无需确认")


class Stale(Invalid):
    """An answer or a code asked for a text that is no longer the agreement's."""

    code = "stale"

    def __init__(self) -> None:
        super().__init__(str(CHANGED))


# --- the text ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    sections: list[tuple[str, str]]
    digest: str


def agreement_text(facts: Facts) -> Text:
    """The agreement as a party reads it, and the digest of its values."""
    d, a, detail = facts.dispute, facts.agreement, facts.agreement_detail
    if a is None or facts.agreement_missing_outcome:
        raise Invalid(str(NO_AGREEMENT))
    principals = facts.principals
    committee = (detail.committee if detail else "") or d.holder.name
    performance = ((detail.performance_method if detail else "") or a.performance).strip()
    on_signing = bool(detail and detail.performed_on_signing)
    deadline = detail.performance_deadline if detail else None
    responsibility = detail.responsibility if detail else ""
    values: dict[str, Any] = {
        "number": d.number,
        "parties": [[p.pk, p.side, p.name] for p in principals],
        "facts": a.facts,
        "responsibility": responsibility,
        "terms": a.terms,
        "performance": performance,
        "on_signing": on_signing,
        "deadline": deadline.isoformat() if deadline else "",
        "signed_on": a.signed_on.isoformat(),
        "mediators": facts.mediators,
        "committee": committee,
    }
    digest = hashlib.sha256(
        json.dumps(values, ensure_ascii=False, sort_keys=True).encode("utf-8")
    ).hexdigest()
    when = ""
    if on_signing:
        when = _("本协议已于签订时当场履行完毕。")
    elif deadline is not None:
        when = _("以上内容于%(date)s前履行完毕。") % {"date": cn_date(deadline)}
    sections = [
        (
            _("当事人"),
            "\n".join(f"{p.get_side_display()}：{p.name}" for p in principals),
        ),
        (_("纠纷的主要事实、争议事项"), a.facts),
        (_("各方当事人的责任"), responsibility),
        (_("协议内容"), a.terms),
        (_("履行方式、期限"), "\n".join(x for x in (performance, when) if x)),
        (_("主持调解的人民调解员"), facts.mediators),
        (_("人民调解委员会"), committee),
        (_("签订日期"), cn_date(a.signed_on)),
    ]
    return Text(sections=[(h, b) for h, b in sections if b.strip()], digest=digest)


def purpose(agreement_id: int, digest: str) -> str:
    """What a code proves: assent to this agreement's text, and nothing else."""
    return f"agreement:{agreement_id}:{digest}"


def usable_phone(party: Party) -> bool:
    """A mobile number on file that a code can be sent to."""
    return party.anonymised_at is None and bool(MOBILE.fullmatch(normalise(party.phone or "")))


# --- who answered -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyState:
    party: Party
    state: str  # confirmed | refused | waiting | voided (answered an earlier text)
    assent: Assent | None

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])


STATE_LABELS = {
    "confirmed": gettext_lazy("已确认"),
    "refused": gettext_lazy("不同意"),
    "waiting": gettext_lazy("待确认"),
    "voided": gettext_lazy("协议已修改，待重新确认"),
}


def assents_of(agreement: Any) -> list[Assent]:
    """The agreement's answers, in force or not, without the signatures' bytes (one query)."""
    return list(Assent.objects.filter(agreement=agreement).defer("signature").order_by("at", "pk"))


def party_states(facts: Facts, digest: str, assents: list[Assent]) -> list[PartyState]:
    """Each principal party's answer to the text of `digest`."""
    states = []
    for party in facts.principals:
        own = [a for a in assents if a.party_id == party.pk]
        current = next((a for a in own if a.voided_at is None and a.text_digest == digest), None)
        if current is not None:
            states.append(PartyState(party, current.answer, current))
        elif own:
            states.append(PartyState(party, "voided", None))
        else:
            states.append(PartyState(party, "waiting", None))
    return states


# --- checks -----------------------------------------------------------------------------------


def signature_clean(value: str | bytes | None) -> bytes | None:
    """A drawn signature as the canvas sends it (a data: URL of a PNG, or the PNG's bytes),
    checked and redrawn as a plain PNG; None for none. Raises Invalid naming `signature`."""
    if not value:
        return None
    problem = _("签名图片无效，请重新签名")
    data: bytes
    if isinstance(value, str):
        head, _sep, body = value.partition(",")
        if head != "data:image/png;base64":
            raise Invalid(problem, fields={"signature": [problem]})
        if len(body) > SIGNATURE_BYTES * 4 // 3 + 8:
            raise Invalid(_("签名图片过大"), fields={"signature": [_("签名图片过大")]})
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise Invalid(problem, fields={"signature": [problem]}) from None
    else:
        data = value
    if len(data) > SIGNATURE_BYTES:
        raise Invalid(_("签名图片过大"), fields={"signature": [_("签名图片过大")]})
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise Invalid(problem, fields={"signature": [problem]})
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise Invalid(problem, fields={"signature": [problem]})
            width, height = image.size
            if not (
                SIGNATURE_MIN[0] <= width <= SIGNATURE_MAX[0]
                and SIGNATURE_MIN[1] <= height <= SIGNATURE_MAX[1]
            ):
                raise Invalid(problem, fields={"signature": [problem]})
            image.load()
            drawn = image.convert("RGBA")
    except Invalid:
        raise
    except Exception:  # Pillow's many ways to say "not an image"
        raise Invalid(problem, fields={"signature": [problem]}) from None
    if drawn.getchannel("A").getbbox() is None:
        blank = _("签名是空白的，请在框内签名")
        raise Invalid(blank, fields={"signature": [blank]})
    out = io.BytesIO()
    drawn.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _answer_checked(answer: str, reason: str) -> tuple[str, str]:
    errors = Errors(CORRECT_THE_FORM)
    if answer not in AssentAnswer.values:
        errors.add("answer", _("请选择确认或不同意"))
    reason = errors.text("reason", reason or "", REASON_MAX)
    if answer == AssentAnswer.REFUSED and not reason:
        errors.add("reason", _("不同意的，请写明理由"))
    if answer == AssentAnswer.CONFIRMED:
        reason = ""
    errors.raise_if_any()
    return answer, reason


def _in_force(facts: Facts) -> tuple[Any, Text]:
    if facts.agreement is None or facts.agreement_missing_outcome:
        raise Invalid(str(NO_AGREEMENT))
    if agreement_missing(facts):
        raise Invalid(_("调解协议书尚未填写完整，暂不能确认，请联系调解员"))
    return facts.agreement, agreement_text(facts)


def _principal(facts: Facts, party_id: Any) -> Party:
    party = next((p for p in facts.principals if p.pk == party_id), None)
    if party is None:
        raise NotFound(_("当事人不存在"))
    return party


def _answered(agreement: Any, party: Party, digest: str) -> None:
    done = Assent.objects.filter(
        agreement=agreement, party=party, voided_at__isnull=True, text_digest=digest
    ).first()
    if done is not None:
        if done.answer == AssentAnswer.CONFIRMED:
            message = _("您已确认过这份调解协议，无需再次确认")
        else:
            message = _("您已对这份调解协议表示不同意；如需改变，请联系调解员")
        raise Invalid(message)


# --- writes -----------------------------------------------------------------------------------


def assents_void_changed(*, dispute: Dispute, actor: Any, now: datetime) -> int:
    """Void the answers given to a text that is no longer the agreement's, with an event saying
    how many. Called in the transaction of every write of the agreement's items, the dispute
    locked. Returns how many were voided."""
    facts = Facts.of(dispute)
    if facts.agreement is None:
        return 0
    digest = "" if facts.agreement_missing_outcome else agreement_text(facts).digest
    stale = Assent.objects.filter(agreement=facts.agreement, voided_at__isnull=True).exclude(
        text_digest=digest
    )
    rows = list(stale.values_list("pk", "party_id"))
    if not rows:
        return 0
    voided = [party for _pk, party in rows]
    Assent.objects.filter(pk__in=[pk for pk, _party in rows]).update(voided_at=now)
    audit_bulk(
        model=Assent,
        action="update",
        pks=[pk for pk, _party in rows],
        fields=["voided_at"],
        region_code=dispute.region_code,
    )
    dispute_note(
        dispute=dispute,
        action=VOID,
        actor=actor,
        at=now,
        body_id=dispute.holder_id,
        params={"parties": sorted(voided), "voided": len(voided)},
        public=True,
    )
    return len(voided)


def _record(
    *,
    dispute: Dispute,
    agreement: Any,
    party: Party,
    digest: str,
    answer: str,
    reason: str,
    channel: str,
    signature: bytes | None,
    actor: Any,
    now: datetime,
) -> Assent:
    assents_void_changed(dispute=dispute, actor=actor, now=now)
    try:
        with transaction.atomic():
            assent = Assent.objects.create(
                agreement=agreement,
                dispute=dispute,
                party=party,
                text_digest=digest,
                answer=answer,
                reason=reason,
                channel=channel,
                at=now,
                recorded_by=actor,
                signature=seal_bytes(signature) if signature else b"",
                signed=bool(signature),
            )
    except IntegrityError:  # the same party answering in two windows at once
        raise Invalid(_("您已对这份调解协议作出答复，无需再次提交")) from None
    dispute_note(
        dispute=dispute,
        action=CONFIRM if answer == AssentAnswer.CONFIRMED else REFUSE,
        actor=actor,
        at=now,
        body_id=dispute.holder_id,
        reason=reason,
        params={
            "party": party.pk,
            "side": party.side,
            "channel": channel,
            "signed": bool(signature),
            "digest": digest[:16],
        },
        public=True,
    )
    return assent


def assent_code_send(*, dispute: Dispute, party: Party, digest: str) -> Any:
    """Send `party` the one-time code that confirms (or refuses) the text of `digest`."""
    from jiefen.portal.codes import code_send

    facts = Facts.of(dispute)
    agreement, text = _in_force(facts)
    if digest != text.digest:
        raise Stale()
    party = _principal(facts, party.pk)
    _answered(agreement, party, text.digest)
    if not usable_phone(party):
        raise Invalid(str(NO_PHONE))
    return code_send(
        party=party,
        purpose=purpose(agreement.pk, text.digest),
        text=_(
            "【解纷】您正在确认纠纷%(number)s的调解协议，验证码{code}，10分钟内有效，请勿告诉他人。"
        )
        % {"number": dispute.number},
    )


NO_PHONE = gettext_lazy(
    "您没有登记可接收短信的手机号码，无法在网上确认。请到调解组织当面签字确认，由调解员记录。"
)


def assent_answer(
    *,
    dispute_id: int,
    party: Party,
    digest: str,
    code: str,
    answer: str,
    reason: str = "",
    signature: str | bytes | None = None,
    at: datetime | None = None,
) -> Assent:
    """The party's own answer, proved by the code sent for this text. Everything is checked
    before the code is spent, and nothing is written unless all is right."""
    from jiefen.portal.codes import code_check

    now = at or timezone.now()
    answer, reason = _answer_checked(answer, reason)
    drawn = signature_clean(signature)
    with transaction.atomic():
        dispute = dispute_lock(dispute_id)
        facts = Facts.of(dispute)
        agreement, text = _in_force(facts)
        if digest != text.digest:
            raise Stale()
        own = _principal(facts, party.pk)
        _answered(agreement, own, text.digest)
        code_check(party=own, purpose=purpose(agreement.pk, text.digest), code=code)
        return _record(
            dispute=dispute,
            agreement=agreement,
            party=own,
            digest=text.digest,
            answer=answer,
            reason=reason,
            channel=AssentChannel.SMS,
            signature=drawn,
            actor=None,
            now=now,
        )


def assent_record_paper(
    *,
    actor: Any,
    dispute_id: Any,
    party_id: Any,
    digest: str,
    answer: str,
    reason: str = "",
    signature: str | bytes | None = None,
    at: datetime | None = None,
) -> Assent:
    """Staff of the holding body record a party's answer given in person on a signed paper
    copy (当面签字确认), for the text of `digest` (the one on their page)."""
    from jiefen.documents.services import _editable

    now = at or timezone.now()
    answer, reason = _answer_checked(answer, reason)
    drawn = signature_clean(signature)
    try:
        party_pk = int(party_id)
    except (TypeError, ValueError):
        raise Invalid(_("请选择当事人"), fields={"party": [_("请选择当事人")]}) from None
    with transaction.atomic():
        dispute = _editable(actor, dispute_id, for_update=True)
        facts = Facts.of(dispute)
        agreement, text = _in_force(facts)
        if digest != text.digest:
            raise Stale()
        party = _principal(facts, party_pk)
        _answered(agreement, party, text.digest)
        return _record(
            dispute=dispute,
            agreement=agreement,
            party=party,
            digest=text.digest,
            answer=answer,
            reason=reason,
            channel=AssentChannel.PAPER,
            signature=drawn,
            actor=actor,
            now=now,
        )


def signature_png(assent: Assent) -> bytes:
    """The drawn signature's PNG ("" when none). For the party themself and staff only: the
    caller fetched `assent` through documents.access."""
    stored = Assent.objects.filter(pk=assent.pk).values_list("signature", flat=True).first()
    raw = bytes(stored or b"")
    return open_bytes(raw) if raw else b""


def signatures_in_force(facts: Facts, digest: str) -> dict[int, tuple[Assent, bytes]]:
    """Party id → (confirmation in force, its signature PNG or b""), for the document."""
    rows = Assent.objects.filter(
        agreement=facts.agreement,
        voided_at__isnull=True,
        text_digest=digest,
        answer=AssentAnswer.CONFIRMED,
    )
    return {a.party_id: (a, open_bytes(bytes(a.signature)) if a.signed else b"") for a in rows}


def assents_erase(*, party_ids: Any) -> int:
    """Erase the drawn signatures and refusal reasons of parties whose personal data is
    purged; the answers' time and channel stay (the history's facts)."""
    rows = Assent.objects.filter(party_id__in=list(party_ids))
    pks = list(rows.values_list("pk", flat=True))
    if not pks:
        return 0
    Assent.objects.filter(pk__in=pks).update(signature=b"", signed=False, reason="")
    audit_bulk(model=Assent, action="anonymise", pks=pks, fields=["signature", "signed", "reason"])
    return len(pks)
