"""Forms of the screening-return pages (排查报送): the return of a period and its findings. They
only shape input; the screening services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Category, Risk


class ReturnForm(forms.Form):
    # A date, not a choice: a period already returned, posted anyway, gets the service's
    # message ("already returned on …"), not a generic "invalid choice".
    period = forms.DateField(label=_("报送期"), widget=forms.Select)
    nil = forms.BooleanField(label=_("零报告（本期未排查发现矛盾纠纷）"), required=False)
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args: Any, periods: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget: Any = self.fields["period"].widget
        widget.choices = [(p.start.isoformat(), p.label()) for p in periods]


class FindingForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(active=True), label=_("纠纷类别"), required=False
    )
    title = forms.CharField(label=_("事由"), max_length=100, required=False)
    description = forms.CharField(
        label=_("纠纷概况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )
    applicant = forms.CharField(label=_("当事人（申请人）"), max_length=100, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    respondent = forms.CharField(label=_("另一方当事人"), max_length=100, required=False)
    people_involved = forms.IntegerField(
        label=_("涉及人数"), min_value=1, initial=2, required=False
    )
    risk = forms.ChoiceField(choices=Risk.choices, label=_("风险等级"), initial=Risk.ORDINARY)

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(k) for k in ("category", "title", "description", "applicant"))


FindingFormSet = forms.formset_factory(FindingForm, extra=0, min_num=0, max_num=20)
