"""The four documents, each as a list of what is missing and the text written to a writer
(jiefen.lib.office.Word or jiefen.documents.pdf.Pdf — the same methods), so a Word
file and a PDF never say different things.

Builders take a Facts object read once from the database and an Identifiers object that hands
out ID and phone numbers masked, or in full where a logged reveal allowed it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.disputes import page
from jiefen.disputes.models import (
    Agreement,
    Channel,
    Dispute,
    Event,
    Outcome,
    Party,
    PartyKind,
    Session,
    Side,
    Status,
)
from jiefen.disputes.reads import events_of
from jiefen.documents.models import AgreementDetail, PartyDetail
from jiefen.lib.office import cn_date, cn_number
from jiefen.lib.personal import mask_id, mask_phone
from jiefen.org.models import Body

# Principals: the parties the agreement binds (agents sign for them but are not counted).
PRINCIPALS = (Side.APPLICANT, Side.RESPONDENT, Side.THIRD)


@dataclass
class Facts:
    """Everything a document reads about one dispute, fetched once."""

    dispute: Dispute
    parties: list[Party]
    details: dict[int, PartyDetail]
    sessions: list[Session]
    agreement: Agreement | None
    agreement_detail: AgreementDetail | None
    transfer: Event | None
    transfer_to: Body | None
    accepted: Event | None = None
    resolved: Event | None = None
    # Session id → id of the event that recorded it.
    session_events: dict[int, int] = field(default_factory=dict)
    # A query code just issued for the applicant's copy of the acceptance notice.
    query_code: str = ""
    # Party id → (its confirmation of the agreement's current text, the drawn signature's
    # PNG or b""), filled by documents.services for the agreement (documents.assent).
    confirmations: dict[int, tuple[Any, bytes]] = field(default_factory=dict)

    @classmethod
    def of(cls, dispute: Dispute) -> Facts:
        # The dispute page read the dispute's parties, history and sessions once
        # (disputes.selectors.dispute_page_read): use them rather than read them again.
        prefetched = getattr(dispute, "_prefetched_objects_cache", {})
        parties = list(dispute.parties.all())
        order = {side: i for i, side in enumerate(Side.values)}
        parties.sort(key=lambda p: (order.get(p.side, 9), p.id))
        if page.has(dispute, "documents.party_details"):  # read with the dispute's page
            found = page.part(dispute, "documents.party_details")
        else:
            found = PartyDetail.objects.filter(party__in=[p.pk for p in parties])
        details = {d.party_id: d for d in found}
        try:
            agreement: Agreement | None = dispute.agreement  # joined by dispute_for
        except Agreement.DoesNotExist:
            agreement = None
        agreement_detail = None
        if agreement is not None and Agreement.document_detail.is_cached(agreement):  # type: ignore[attr-defined]
            # Joined to the dispute's row by its page (documents.selectors declares it).
            agreement_detail = getattr(agreement, "document_detail", None)
        elif agreement is not None:
            agreement_detail = AgreementDetail.objects.filter(agreement=agreement).first()
        wanted = ("accept", "receive", "transfer", "session", "resolve")
        if "events" in prefetched:
            events = [e for e in prefetched["events"] if e.action in wanted]
        else:
            events = list(
                events_of(dispute, actions=wanted).select_related("body", "actor").order_by("id")
            )
        transfer = next((e for e in reversed(events) if e.action == "transfer"), None)
        # The body that accepted: the first acceptance, by its own decision or by receiving
        # a dispute sent up before anyone accepted it.
        accepted = next((e for e in events if e.action in ("accept", "receive")), None)
        resolved = next((e for e in reversed(events) if e.action == "resolve"), None)
        session_events = {
            int(e.params["session"]): e.pk
            for e in events
            if e.action == "session" and str((e.params or {}).get("session", "")).isdigit()
        }
        to_body = None
        if transfer is not None and (transfer.params or {}).get("to_body"):
            # Usually the body waiting to receive it, or holding it since: joined already.
            wanted_body = int(transfer.params["to_body"])
            known = {
                b.pk: b
                for name in ("transfer_to", "holder")
                if Dispute._meta.get_field(name).is_cached(dispute)  # type: ignore[union-attr]
                and (b := getattr(dispute, name)) is not None
            }
            to_body = known.get(wanted_body) or Body.objects.filter(pk=wanted_body).first()
        return cls(
            dispute=dispute,
            parties=parties,
            details=details,
            sessions=list(prefetched["sessions"])
            if "sessions" in prefetched
            else list(dispute.sessions.select_related("recorded_by").order_by("held_on", "id")),
            agreement=agreement,
            agreement_detail=agreement_detail,
            transfer=transfer,
            transfer_to=to_body,
            accepted=accepted,
            resolved=resolved,
            session_events=session_events,
        )

    @property
    def principals(self) -> list[Party]:
        return [p for p in self.parties if p.side in PRINCIPALS]

    @property
    def agreement_missing_outcome(self) -> bool:
        """No agreement in force: none was reached, or the dispute was reopened since."""
        return self.agreement is None or self.dispute.outcome != Outcome.AGREEMENT

    @property
    def applicants(self) -> list[Party]:
        return [p for p in self.parties if p.side == Side.APPLICANT]

    @property
    def mediators(self) -> str:
        """Who mediated: as recorded with the agreement, else from the sessions in the order
        they first mediated, else the staff member who resolved the dispute."""
        if self.agreement_detail is not None and self.agreement_detail.mediators.strip():
            return self.agreement_detail.mediators.strip()
        return mediators_of(self.sessions) or (
            str(self.resolved.actor) if self.resolved and self.resolved.actor else ""
        )

    def before_transfer(self) -> list[Session]:
        """The sessions recorded before the (last) transfer: what the sender did."""
        event = self.transfer
        if event is None:
            return list(self.sessions)
        sent = timezone.localdate(event.at)
        done = []
        for s in self.sessions:
            recorded = self.session_events.get(s.pk)
            if (recorded < event.pk) if recorded is not None else (s.held_on < sent):
                done.append(s)
        return done


def mediators_of(sessions: list[Session]) -> str:
    names: list[str] = []
    for s in sessions:
        for name in s.mediators.replace("，", "、").replace(",", "、").split("、"):
            if name.strip() and name.strip() not in names:
                names.append(name.strip())
    return "、".join(names)


@dataclass
class Identifiers:
    """Hands out a party's ID and phone numbers: masked, unless `full` has the revealed value.
    Records which were asked for, so a reveal covers exactly what the document shows."""

    full: dict[tuple[int, str], str] = field(default_factory=dict)
    used: set[tuple[int, str]] = field(default_factory=set)

    def get(self, party: Party, name: str) -> str:
        value = (getattr(party, name) or "").strip()
        if not value:
            return ""
        if name == "id_number" and party.kind == PartyKind.ORGANISATION:
            return value  # an organisation's credit code is public, not personal data
        self.used.add((party.pk, name))
        if (party.pk, name) in self.full:
            return self.full[(party.pk, name)]
        return mask_phone(value) if name == "phone" else mask_id(value)


# --- pieces -----------------------------------------------------------------------------------


def _who(party: Party) -> str:
    return f"{party.get_side_display()}{party.name}"


def party_missing(party: Party, detail: PartyDetail | None) -> list[str]:
    """The basic facts (Article 29: 当事人的基本情况) the agreement cannot do without. A person
    is named; nothing personal beyond the name is required (sex, age, ethnicity, occupation
    and employer are printed when given). An organisation is identified by its name and its
    domicile (住所, Civil Code Art. 63) and acts through its legal representative or person in
    charge (Art. 61, 102), who signs or seals for it."""
    items: list[str] = []
    if party.kind == PartyKind.ORGANISATION:
        if not party.address.strip():
            items.append(_("住所"))
        if not (detail and detail.legal_representative.strip()):
            items.append(_("法定代表人或者负责人"))
    return items


def party_line(party: Party, detail: PartyDetail | None, ids: Identifiers) -> str:
    """申请人：张三，男，45岁，汉族，农民，住……，公民身份号码……，联系电话……"""
    parts = [party.name]
    if party.kind == PartyKind.ORGANISATION:
        if party.address:
            parts.append(_("住所地：%(a)s") % {"a": party.address})
        credit = ids.get(party, "id_number")
        if credit:
            parts.append(_("统一社会信用代码：%(c)s") % {"c": credit})
        if detail and detail.legal_representative:
            rep = detail.legal_representative
            if detail.representative_title:
                rep += f"（{detail.representative_title}）"
            parts.append(_("法定代表人：%(r)s") % {"r": rep})
    else:
        if detail:
            if detail.gender:
                parts.append(detail.get_gender_display())
            if detail.age:
                parts.append(_("%(n)s岁") % {"n": detail.age})
            if detail.ethnicity:
                parts.append(detail.ethnicity)
            if detail.occupation:
                parts.append(detail.occupation)
            if detail.employer:
                parts.append(_("工作单位：%(e)s") % {"e": detail.employer})
        if party.address:
            parts.append(_("住%(a)s") % {"a": party.address})
        number = ids.get(party, "id_number")
        if number:
            parts.append(_("公民身份号码：%(n)s") % {"n": number})
    phone = ids.get(party, "phone")
    if phone:
        parts.append(_("联系电话：%(p)s") % {"p": phone})
    return "，".join(parts) + "。"


def _parties(w: Any, facts: Facts, ids: Identifiers, *, details: bool) -> None:
    for party in facts.parties:
        detail = facts.details.get(party.pk) if details else None
        w.labelled(party.get_side_display(), party_line(party, detail, ids))


def _sign_places(w: Any, facts: Facts) -> None:
    for party in facts.parties:
        label = _("%(who)s（签名或者盖章、按指印）") % {"who": _who(party)}
        confirmed = facts.confirmations.get(party.pk)
        if confirmed is None:
            w.sign(label)
        else:
            assent, image = confirmed
            w.sign(label, note=confirmation_note(assent), image=image)


def confirmation_note(assent: Any) -> str:
    """已于2026年3月10日 14:05通过短信验证码确认 — the party's confirmation under its name."""
    at = timezone.localtime(assent.at)
    values = {"date": cn_date(at.date()), "time": f"{at:%H:%M}"}
    if assent.channel == "sms":
        return _("已于%(date)s %(time)s 通过短信验证码确认本协议") % values
    return _("已于%(date)s %(time)s 当面签字确认（调解员记录）") % values


# --- 受理通知书 ---------------------------------------------------------------------------------

# Channels where a party itself asked for mediation; the others found the dispute
# (screening) or had it passed on (a hotline, another body).
APPLIED = (Channel.WALK_IN, Channel.PHONE, Channel.ONLINE)


def acceptance_missing(facts: Facts) -> list[str]:
    d = facts.dispute
    items = []
    if d.accepted_at is None or d.status in (Status.REGISTERED, Status.DECLINED):
        items.append(_("受理（该纠纷尚未受理）"))
    if not facts.applicants:
        items.append(_("申请人"))
    return items


def acceptance_issuer(facts: Facts) -> tuple[str, Any]:
    """The body that accepted the dispute and the day it did: the notice is its decision, whoever
    holds the dispute now."""
    d = facts.dispute
    event = facts.accepted
    if event is not None and event.body is not None:
        return event.body.name, timezone.localdate(event.at)
    assert d.accepted_at is not None
    return d.holder.name, timezone.localdate(d.accepted_at)


def acceptance_write(w: Any, facts: Facts, ids: Identifiers) -> None:
    d = facts.dispute
    issuer, accepted = acceptance_issuer(facts)
    values = {
        "date": cn_date(timezone.localdate(d.registered_at)),
        "title": d.title,
        "number": d.number,
    }
    w.title(_("受理通知书"))
    w.text(_("（%(number)s）") % {"number": d.number}, indent=False, align="center")
    w.text("、".join(p.name for p in facts.applicants) + "：", indent=False, align="left")
    if d.channel in APPLIED:
        w.text(
            _(
                "你（单位）于%(date)s申请调解的“%(title)s”纠纷，经审查，符合人民调解的受理条件，"
                "本单位决定予以受理，编号为%(number)s。"
            )
            % values
        )
    elif d.channel == Channel.SCREENING:
        w.text(
            _(
                "本单位于%(date)s在矛盾纠纷排查中发现你（单位）涉及的“%(title)s”纠纷，经审查，"
                "符合人民调解的受理条件，依照《中华人民共和国人民调解法》第十七条的规定，本单位"
                "决定主动调解，编号为%(number)s。当事人一方明确拒绝调解的，不予调解。"
            )
            % values
        )
    else:
        w.text(
            _(
                "%(source)s于%(date)s转来的你（单位）涉及的“%(title)s”纠纷，经审查，符合人民调解的"
                "受理条件，本单位决定予以受理，编号为%(number)s。当事人一方明确拒绝调解的，"
                "不予调解。"
            )
            % (values | {"source": d.get_channel_display()})
        )
    w.text(
        _(
            "依照《中华人民共和国人民调解法》第二十三条、第二十四条的规定，当事人在人民调解活动中"
            "享有下列权利：选择或者接受人民调解员；接受调解、拒绝调解或者要求终止调解；要求调解"
            "公开进行或者不公开进行；自主表达意愿、自愿达成调解协议。当事人应当履行下列义务："
            "如实陈述纠纷事实；遵守调解现场秩序，尊重人民调解员；尊重对方当事人行使权利。"
        )
    )
    if facts.query_code:
        w.text(
            _("你可凭纠纷编号%(number)s和查询码%(code)s在网上查询办理进展。查询码请妥善保管。")
            % {"number": d.number, "code": facts.query_code}
        )
    elif d.query_digest:
        w.text(_("你可凭纠纷编号和申请时取得的查询码在网上查询办理进展。"))
    else:
        w.text(_("如需在网上查询办理进展，可向本单位索取查询码。"))
    for party in facts.applicants:
        phone = ids.get(party, "phone")
        if phone:
            w.labelled(_("申请人联系电话"), f"{party.name} {phone}")
    if d.owner is not None:
        w.labelled(_("承办人"), str(d.owner))
    w.signature(issuer, accepted, seal=True)


# --- 移交函 -------------------------------------------------------------------------------------


def transfer_missing(facts: Facts) -> list[str]:
    if facts.transfer is None:
        return [_("移送记录（该纠纷未曾移送上级）")]
    items = []
    if not (facts.transfer.reason or "").strip():
        items.append(_("移交理由"))
    if facts.transfer_to is None:
        items.append(_("接收单位"))
    return items


def transfer_write(w: Any, facts: Facts, ids: Identifiers) -> None:
    d, event = facts.dispute, facts.transfer
    assert event is not None and facts.transfer_to is not None
    sent = timezone.localdate(event.at)
    w.title(_("移交函"))
    w.text(_("（%(number)s）") % {"number": d.number}, indent=False, align="center")
    w.text(facts.transfer_to.name + "：", indent=False, align="left")
    w.text(
        _(
            "%(body)s于%(date)s登记的“%(title)s”纠纷（编号%(number)s），因下列原因本级难以化解，"
            "现依照分级调处的规定移交你单位，请予接收办理。"
        )
        % {
            "body": event.body.name,
            "date": cn_date(timezone.localdate(d.registered_at)),
            "title": d.title,
            "number": d.number,
        }
    )
    w.heading(_("一、移交理由"))
    w.text(event.reason)
    w.heading(_("二、纠纷基本情况"))
    w.labelled(_("类别"), str(d.category))
    w.labelled(_("发生地"), d.region.name)
    w.labelled(_("涉及人数"), str(d.people_involved))
    if d.amount is not None:
        w.labelled(_("涉及金额（元）"), str(d.amount))
    flags = [
        str(label)
        for on, label in (
            (d.complex, gettext_lazy("疑难复杂")),
            (d.cross_area, gettext_lazy("跨区域")),
            (d.mass, gettext_lazy("群体性")),
        )
        if on
    ]
    w.labelled(_("风险等级"), "、".join([d.get_risk_display(), *flags]))
    w.text(d.description)
    w.heading(_("三、当事人"))
    _parties(w, facts, ids, details=False)
    w.heading(_("四、已开展的调解工作"))
    done = facts.before_transfer()
    if done:
        # Millimetres of the 156 mm line: the date on one line, a few names, the rest for
        # what happened.
        w.table(
            [_("日期"), _("地点"), _("调解员"), _("调解情况")],
            [(s.held_on.isoformat(), s.place, s.mediators, s.record) for s in done],
            widths=(26, 32, 30, 68),
            nowrap=(0,),
        )
    else:
        w.text(_("移交前未开展调解。"))
    w.signature(event.body.name, sent, seal=True)


# --- 调解笔录 -----------------------------------------------------------------------------------


def record_missing(facts: Facts) -> list[str]:
    return [] if facts.sessions else [_("调解记录（该纠纷尚无调解记录）")]


def record_write(w: Any, facts: Facts, ids: Identifiers) -> None:
    d = facts.dispute
    w.title(_("调解笔录"))
    w.text(_("（%(number)s）") % {"number": d.number}, indent=False, align="center")
    w.labelled(_("纠纷事由"), d.title)
    w.heading(_("当事人"))
    _parties(w, facts, ids, details=True)
    many = len(facts.sessions) > 1
    for i, s in enumerate(facts.sessions, start=1):
        if many:
            w.heading(_("第%(n)s次调解") % {"n": cn_number(i)})
        w.labelled(_("时间"), cn_date(s.held_on))
        w.labelled(_("地点"), s.place)
        w.labelled(_("调解员"), s.mediators)
        w.labelled(_("参加人员"), s.attendees)
        w.labelled(_("记录人"), str(s.recorded_by))
        w.labelled(_("调解情况"), "")
        w.text(s.record)
        if s.agreed:
            w.labelled(_("达成事项"), "")
            w.text(s.agreed)
    w.text(_("以上笔录经当事人核对（已向当事人宣读），确认无误。"))
    _sign_places(w, facts)
    w.sign(_("调解员（签名）"))
    w.sign(_("记录人（签名）"))
    w.signature(d.holder.name, facts.sessions[-1].held_on)


# --- 人民调解协议书 -------------------------------------------------------------------------------


def agreement_missing(facts: Facts) -> list[str]:
    """What Article 29 requires and the dispute does not have yet."""
    a, detail = facts.agreement, facts.agreement_detail
    if a is None or facts.agreement_missing_outcome:
        return [_("调解协议（该纠纷未以达成调解协议办结）")]
    items = []
    if not facts.principals:
        items.append(_("当事人"))
    for party in facts.principals:
        lacking = party_missing(party, facts.details.get(party.pk))
        if lacking:
            items.append(
                _("%(who)s的%(items)s") % {"who": _who(party), "items": "、".join(lacking)}
            )
    if not a.facts.strip():
        items.append(_("纠纷的主要事实、争议事项"))
    if not (detail and detail.responsibility.strip()):
        items.append(_("各方当事人的责任"))
    if not a.terms.strip():
        items.append(_("当事人达成调解协议的内容"))
    if not ((detail and detail.performance_method.strip()) or a.performance.strip()):
        items.append(_("履行方式"))
    if not (detail and (detail.performed_on_signing or detail.performance_deadline)):
        items.append(_("履行期限"))
    if not facts.mediators:
        items.append(_("调解员"))
    return items


def copies(facts: Facts) -> int:
    """One for each party bound by the agreement, one for the committee (Article 29)."""
    return len(facts.principals) + 1


def agreement_write(w: Any, facts: Facts, ids: Identifiers) -> None:
    d, a, detail = facts.dispute, facts.agreement, facts.agreement_detail
    assert a is not None and detail is not None
    committee = detail.committee or d.holder.name
    w.title(_("人民调解协议书"))
    w.text(_("（%(number)s）") % {"number": d.number}, indent=False, align="center")
    w.heading(_("当事人"))
    _parties(w, facts, ids, details=True)
    w.heading(_("纠纷的主要事实、争议事项"))
    w.text(a.facts)
    w.heading(_("各方当事人的责任"))
    w.text(detail.responsibility)
    w.text(
        _("经%(committee)s主持调解，当事人自愿达成如下协议：") % {"committee": committee},
    )
    w.heading(_("协议内容"))
    w.text(a.terms)
    w.heading(_("履行方式、期限"))
    w.text(detail.performance_method.strip() or a.performance)
    if detail.performed_on_signing:
        w.text(_("本协议已于签订时当场履行完毕。"))
    else:
        assert detail.performance_deadline is not None
        w.text(_("以上内容于%(date)s前履行完毕。") % {"date": cn_date(detail.performance_deadline)})
    w.text(
        _(
            "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。"
            "双方当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。"
        )
    )
    w.text(
        _(
            "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
        )
    )
    w.text(
        _("本协议一式%(n)s份，当事人各持一份，%(committee)s留存一份。")
        % {"n": cn_number(copies(facts)), "committee": committee}
    )
    w.labelled(_("主持调解的人民调解员"), facts.mediators)
    _sign_places(w, facts)
    w.sign(_("人民调解员（签名）"))
    w.signature(committee, a.signed_on, seal=True)


@dataclass(frozen=True)
class Kind:
    key: str
    title: Any
    missing: Callable[[Facts], list[str]]
    write: Callable[[Any, Facts, Identifiers], None]


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind("acceptance", gettext_lazy("受理通知书"), acceptance_missing, acceptance_write),
        Kind("transfer", gettext_lazy("移交函"), transfer_missing, transfer_write),
        Kind("record", gettext_lazy("调解笔录"), record_missing, record_write),
        Kind("agreement", gettext_lazy("人民调解协议书"), agreement_missing, agreement_write),
    )
}
