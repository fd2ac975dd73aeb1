"""The forms of linking and merging disputes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiefen.search.services import REASONS


class LinkForm(forms.Form):
    number = forms.RegexField(
        regex=r"^[0-9A-Za-z-]{5,32}$",
        label=_("另一件纠纷的编号"),
        error_messages={"invalid": _("请填写完整的纠纷编号"), "required": _("请填写纠纷编号")},
    )
    kind = forms.ChoiceField(
        choices=[("link", _("关联为相关纠纷")), ("merge", _("并入该纠纷（本纠纷不再单独办理）"))],
        initial="link",
        label=_("关系"),
    )
    reasons = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    note = forms.CharField(required=False, max_length=500, label=_("说明"))

    def clean_reasons(self) -> list[str]:
        parts = [p for p in (self.cleaned_data.get("reasons") or "").split(",") if p]
        return [p for p in parts if p in REASONS]
