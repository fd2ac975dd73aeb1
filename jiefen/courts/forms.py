from django import forms
from django.utils.translation import gettext_lazy as _


class IdentityForm(forms.Form):
    file = forms.FileField(label=_("身份证明材料"), required=False)


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("查看理由"), max_length=200)


class ApplicationForm(forms.Form):
    """Checked by the services (which name the field of a problem), so not required here."""

    court = forms.CharField(
        label=_("受理法院"),
        max_length=100,
        required=False,
        help_text=_("纠纷发生地或者调解组织所在地的基层人民法院"),
    )
    reason = forms.CharField(
        label=_("查看理由"),
        max_length=200,
        required=False,
        initial=_("代当事人申请司法确认"),
        help_text=_("生成材料须查看完整证件号码和身份证明材料，理由记录在案"),
    )
