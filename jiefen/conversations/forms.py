"""The message form, the same for staff and parties: text up to 2,000 characters, one file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiefen.conversations.models import BODY_MAX


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("消息"),
        max_length=BODY_MAX,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _("不能超过 %(limit_value)d 个字（现有 %(show_value)d 个）"),
        },
    )
    file = forms.FileField(label=_("附件（可选）"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("body") or "").strip() and not cleaned.get("file") and not self.errors:
            self.add_error("body", _("请输入消息内容"))
        return cleaned
