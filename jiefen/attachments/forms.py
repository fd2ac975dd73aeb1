from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件"), allow_empty_file=False)
    description = forms.CharField(
        label=_("说明"), max_length=200, help_text=_("这份材料证明什么，例如：院墙现场照片")
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回理由"), max_length=200)
