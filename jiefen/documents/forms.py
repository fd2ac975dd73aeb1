"""Forms of the documents pages. They only shape input; the services validate and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiefen.documents.models import ConfirmationResult, Gender

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PartyDetailForm(forms.Form):
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    gender = forms.ChoiceField(
        label=_("性别"), choices=[("", "—"), *Gender.choices], required=False
    )
    age = forms.IntegerField(label=_("年龄"), required=False, min_value=1, max_value=130)
    ethnicity = forms.CharField(label=_("民族"), max_length=20, required=False)
    occupation = forms.CharField(label=_("职业"), max_length=50, required=False)
    employer = forms.CharField(label=_("工作单位"), max_length=100, required=False)


class OrganisationDetailForm(forms.Form):
    address = forms.CharField(label=_("住所"), max_length=200, required=False)
    legal_representative = forms.CharField(
        label=_("法定代表人或者负责人"), max_length=50, required=False
    )
    representative_title = forms.CharField(label=_("法定代表人职务"), max_length=50, required=False)


class AgreementDetailForm(forms.Form):
    responsibility = forms.CharField(
        label=_("各方当事人的责任"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
        required=False,
    )
    performance_method = forms.CharField(
        label=_("履行方式"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    performance_deadline = forms.DateField(label=_("履行期限"), widget=DATE, required=False)
    performed_on_signing = forms.BooleanField(label=_("签订时当场履行完毕"), required=False)
    mediators = forms.CharField(label=_("调解员"), max_length=200, required=False)
    committee = forms.CharField(label=_("人民调解委员会名称"), max_length=100, required=False)


class ApplyForm(forms.Form):
    applied_on = forms.DateField(label=_("申请日期"), widget=DATE)
    court = forms.CharField(label=_("受理法院"), max_length=100)


class ResultForm(forms.Form):
    result = forms.ChoiceField(label=_("确认结果"), choices=ConfirmationResult.choices)
    result_on = forms.DateField(label=_("裁定日期"), widget=DATE)


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("查看理由"), max_length=200)


class AssentForm(forms.Form):
    """A party's answer to the agreement (or the mediator's record of a paper one). The
    services check the answer, the reason, the code and the signature."""

    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=12,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        ),
    )
    reason = forms.CharField(
        label=_("不同意的理由"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("选择“不同意”时必填"),
    )
    # The PNG drawn on the canvas (a data: URL), and its strokes, so a page shown again with
    # an error redraws what was drawn (the strict CSP loads no data: image).
    signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=400_000)
    strokes = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200_000)
    party = forms.IntegerField(widget=forms.HiddenInput, required=False)
