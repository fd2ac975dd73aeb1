from django import forms
from django.utils.translation import gettext_lazy as _


class AccessForm(forms.Form):
    key = forms.CharField(
        label=_("手机号码或证件号码"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
        help_text=_("请核对申请人本人的有效证件后输入。"),
    )
    reason = forms.CharField(
        label=_("查询理由"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：本人现场申请，申请单号……")}),
    )


class ExportForm(forms.Form):
    fmt = forms.ChoiceField(choices=[("json", "JSON"), ("xlsx", "Excel")])
