"""What the resolve form asks for when the outcome is an agreement, so that the people's
mediation agreement (人民调解协议书) is ready the moment the dispute is resolved: the items of
Article 29 the Agreement row does not hold (each party's responsibility, how and by when the
agreement is performed, the mediators) and each bound party's basic facts, prefilled from what
the dispute already has (addresses, the sessions' mediators, sex and age from a resident ID
number, what was recorded before — a person's recorded facts are masked: left blank, they
keep their recorded value).

Registered on jiefen.disputes.forms.ResolveForm when the documents app loads (the disputes app
does not know this one); the resolve view saves it in the transaction of the resolution.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Dispute, PartyKind
from jiefen.documents import services
from jiefen.documents.builders import PRINCIPALS, mediators_of
from jiefen.documents.models import SEALED, AgreementDetail, Gender, PartyDetail

REQUIRED = _("达成协议时必填")
KEPT = _("已记录（已隐藏）；留空则保留原值")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def id_facts(number: str, on: date) -> tuple[str, int | None]:
    """Sex and age on `on` read from an 18-digit resident ID number ("" and None otherwise)."""
    number = (number or "").strip().upper()
    if len(number) != 18 or not number[:17].isdigit():
        return "", None
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "", None
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
    return gender, age if 0 < age <= 130 else None


class AgreementItems:
    """The fields added to one resolve form, and their saving."""

    def __init__(self, form: Any, dispute: Dispute, actor: Any) -> None:
        self.form, self.dispute = form, dispute
        self.parties = [p for p in dispute.parties.all().order_by("id") if p.side in PRINCIPALS]
        existing = {d.party_id: d for d in PartyDetail.objects.filter(party__in=self.parties)}
        agreement = getattr(dispute, "agreement", None) if hasattr(dispute, "pk") else None
        detail = AgreementDetail.objects.filter(agreement=agreement).first() if agreement else None
        sessions = list(dispute.sessions.order_by("held_on", "id"))
        today = timezone.localdate()
        fields = form.fields
        fields["performance"].label = _("履行方式")
        fields["performance"].help_text = REQUIRED
        for name in ("facts", "terms", "signed_on"):
            fields[name].help_text = REQUIRED
        fields["responsibility"] = forms.CharField(
            label=_("各方当事人的责任"),
            widget=forms.Textarea(attrs={"rows": 2}),
            max_length=3000,
            required=False,
            help_text=REQUIRED,
        )
        fields["performance_deadline"] = forms.DateField(
            label=_("履行期限"),
            widget=DATE,
            required=False,
            help_text=_("在此日期前履行完毕；当场履行的勾选下一项"),
        )
        fields["performed_on_signing"] = forms.BooleanField(
            label=_("签订时当场履行完毕"), required=False
        )
        fields["mediators"] = forms.CharField(
            label=_("人民调解员"), max_length=200, required=False, help_text=REQUIRED
        )
        fields["committee"] = forms.CharField(
            label=_("人民调解委员会名称"), max_length=100, required=False
        )
        initial = form.initial
        initial.setdefault("facts", dispute.description)
        agreed = next((s.agreed for s in reversed(sessions) if s.agreed.strip()), "")
        if agreed:
            initial.setdefault("terms", agreed)
        initial["mediators"] = (
            (detail.mediators if detail else "")
            or mediators_of(sessions)
            or (str(actor) if actor is not None else "")
        )
        initial["committee"] = (detail.committee if detail else "") or dispute.holder.name
        if detail is not None:
            initial.update(
                responsibility=detail.responsibility,
                performance_deadline=detail.performance_deadline,
                performed_on_signing=detail.performed_on_signing,
            )
        group = form.groups[0][2]
        at = group.index("performance") + 1
        group[at:at] = ["performance_deadline", "performed_on_signing"]
        group.insert(group.index("facts") + 1, "responsibility")
        group += ["mediators", "committee"]

        for party in self.parties:
            names = []
            prefix = f"party-{party.pk}-"
            known = existing.get(party.pk)
            if party.kind == PartyKind.ORGANISATION:
                fields[prefix + "address"] = forms.CharField(
                    label=_("住所"), max_length=200, required=False, help_text=REQUIRED
                )
                fields[prefix + "legal_representative"] = forms.CharField(
                    label=_("法定代表人或者负责人"),
                    max_length=50,
                    required=False,
                    help_text=REQUIRED,
                )
                fields[prefix + "representative_title"] = forms.CharField(
                    label=_("职务"), max_length=50, required=False
                )
                names = ["address", "legal_representative", "representative_title"]
            else:
                fields[prefix + "address"] = forms.CharField(
                    label=_("住址"), max_length=200, required=False
                )
                fields[prefix + "gender"] = forms.ChoiceField(
                    label=_("性别"), choices=[("", "—"), *Gender.choices], required=False
                )
                fields[prefix + "age"] = forms.IntegerField(
                    label=_("年龄"),
                    min_value=1,
                    max_value=130,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )
                fields[prefix + "ethnicity"] = forms.CharField(
                    label=_("民族"), max_length=20, required=False
                )
                fields[prefix + "occupation"] = forms.CharField(
                    label=_("职业"), max_length=50, required=False
                )
                fields[prefix + "employer"] = forms.CharField(
                    label=_("工作单位"), max_length=100, required=False
                )
                names = ["address", "gender", "age", "ethnicity", "occupation", "employer"]
                # Sex shows in the masked ID number's last four digits already; the age (from
                # the birth date, which the mask hides) is not prefilled.
                gender, _age = id_facts(party.id_number or "", today)
                if not (known and known.gender):
                    initial.setdefault(prefix + "gender", gender)
            initial[prefix + "address"] = party.address
            if known is not None:
                for name in names[1:]:
                    value = getattr(known, name)
                    if value in ("", None):
                        continue
                    if name in SEALED:
                        # Masked on screen: the value is not put in the page.
                        fields[prefix + name].help_text = KEPT
                    else:
                        initial[prefix + name] = value
            legend = _("%(side)s %(name)s（%(kind)s）") % {
                "side": party.get_side_display(),
                "name": party.name,
                "kind": party.get_kind_display(),
            }
            form.groups.append((legend, "agreement-only party", [prefix + n for n in names]))

    def _inputs(self) -> tuple[dict[int, services.PartyItems], services.AgreementDetailInput]:
        data = self.form.cleaned_data
        parties = {}
        for party in self.parties:
            prefix = f"party-{party.pk}-"
            values = {
                name[len(prefix) :]: value
                for name, value in data.items()
                if name.startswith(prefix)
            }
            parties[party.pk] = services.PartyItems(
                **{k: ("" if v is None and k != "age" else v) for k, v in values.items()}  # type: ignore[arg-type]
            )
        detail = services.AgreementDetailInput(
            responsibility=data.get("responsibility", ""),
            performance_method=data.get("performance", ""),
            performance_deadline=data.get("performance_deadline"),
            performed_on_signing=bool(data.get("performed_on_signing")),
            mediators=data.get("mediators", ""),
            committee=data.get("committee", ""),
        )
        return parties, detail

    def check(self) -> None:
        """Raise Invalid, naming the fields, when an item the agreement needs is missing."""
        parties, detail = self._inputs()
        data = self.form.cleaned_data
        services.agreement_items_check(
            parties=[(p, parties[p.pk]) for p in self.parties],
            detail=detail,
            facts=data.get("facts", ""),
            terms=data.get("terms", ""),
            signed_on=data.get("signed_on"),
        )

    def save(self, *, actor: Any, at: Any = None) -> None:
        parties, detail = self._inputs()
        services.agreement_items_save(
            actor=actor, dispute_id=self.dispute.pk, parties=parties, detail=detail, at=at
        )
