"""Forms of the evaluation pages. They only shape input; the services validate and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AssessmentForm(forms.Form):
    score = forms.DecimalField(
        label=_("得分（0–100）"), required=False, max_digits=5, decimal_places=2
    )
    vetoed = forms.BooleanField(label=_("认定否决"), required=False)
    evidence = forms.CharField(
        label=_("依据说明"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reference = forms.CharField(label=_("链接或文号"), required=False, max_length=300)
    comment = forms.CharField(
        label=_("评语"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class BudgetForm(forms.Form):
    region = forms.TypedChoiceField(label=_("区划"), coerce=int)
    year = forms.IntegerField(label=_("年度"))
    budget = forms.DecimalField(label=_("经费（元）"), max_digits=14, decimal_places=2)
    population = forms.IntegerField(label=_("常住人口"))

    def __init__(self, *args, regions=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]  # type: ignore[attr-defined]


class ReportForm(forms.Form):
    period = forms.ChoiceField(label=_("期间"))
    value = forms.DecimalField(label=_("数值"), max_digits=12, decimal_places=2)
    note = forms.CharField(label=_("说明"), required=False, max_length=300)

    def __init__(self, *args, periods=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(p.start.isoformat(), p.label()) for p in periods]  # type: ignore[attr-defined]
