"""Forms of the supervision pages. They only shape input; the services validate and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _


class OrderForm(forms.Form):
    requirement = forms.CharField(
        label=_("督办要求"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    days = forms.IntegerField(label=_("期限（工作日）"), initial=5)
    to_body = forms.IntegerField(label=_("承办单位"), required=False)


class AnswerForm(forms.Form):
    report = forms.CharField(
        label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class UrgeForm(forms.Form):
    note = forms.CharField(label=_("催办内容"), max_length=200)


class LeaderForm(forms.Form):
    leader = forms.IntegerField(label=_("包案领导"))
    plan = forms.CharField(
        label=_("化解方案"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    target_date = forms.DateField(
        label=_("目标日期"), widget=forms.DateInput(attrs={"type": "date"})
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ExtensionForm(forms.Form):
    new_date = forms.DateField(label=_("申请延至"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批"),
        choices=[("1", _("批准")), ("0", _("不批准"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("审批意见"), max_length=2000, required=False)


class SignOffForm(forms.Form):
    note = forms.CharField(label=_("销号意见"), max_length=2000, required=False)


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    year = forms.IntegerField(label=_("年度"))
    quarter = forms.TypedChoiceField(
        label=_("季度"), choices=[(q, q) for q in range(1, 5)], coerce=int
    )
    region = forms.TypedChoiceField(label=_("范围"), coerce=int)
    open_days = forms.IntegerField(label=_("在办超过天数"), required=False, initial=90)
    min_transfers = forms.IntegerField(label=_("移送次数不少于"), required=False, initial=2)
    reopened = forms.BooleanField(label=_("曾重启"), required=False, initial=True)

    def __init__(self, *args, regions=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [  # type: ignore[attr-defined]
            (r.code, _("%(name)s（%(code)s）") % {"name": r.name, "code": r.code}) for r in regions
        ]


class ItemForm(forms.Form):
    """A campaign item's owner and leader, chosen from the people over the dispute's place;
    the service decides whether the one chosen may be (campaign_item_assign)."""

    owner = forms.IntegerField(label=_("责任人"), required=False)
    leader = forms.IntegerField(label=_("包案领导"), required=False)

    def __init__(self, *args, owners=(), leaders=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for name, people in (("owner", owners), ("leader", leaders)):
            choices = [("", "—"), *((u.pk, str(u)) for u in people)]
            self.fields[name].widget = forms.Select(choices=choices)
