"""Forms of the parties' portal and the staff's answer. They shape and check input and say
clearly what is wrong; the services decide."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Category
from jiefen.lib.personal import valid_phone
from jiefen.lib.sealed import normalise
from jiefen.portal.services import ANSWER_MAX, COMMENT_MAX, REASON_MAX
from jiefen.regions.models import Level, Region

EARLIEST = date(1950, 1, 1)
# Room in the 5000-character description for the line with the date it happened.
DESCRIPTION_MAX = 4900
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def _text(label: Any, limit: int, *, required: bool = True, rows: int = 0, **attrs: Any) -> Any:
    widget = forms.Textarea(attrs={"rows": rows, **attrs}) if rows else forms.TextInput(attrs)
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        widget=widget,
        error_messages={
            "required": _("此项为必填项"),
            "max_length": _("不能超过 %(limit_value)d 个字（现有 %(show_value)d 个）"),
        },
    )


class FileForm(forms.Form):
    """A party files a dispute. Where it happened is chosen county → town → village; the
    selects are filled by portal.js, or step by step by the server without JavaScript."""

    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(active=True),
        label=_("纠纷类别"),
        empty_label=_("请选择"),
        error_messages={
            "required": _("请选择纠纷类别"),
            "invalid_choice": _("请选择有效的纠纷类别"),
        },
    )
    county = forms.CharField(label=_("县（市、区）"), required=False, max_length=12)
    town = forms.CharField(label=_("乡镇（街道）"), required=False, max_length=12)
    village = forms.CharField(label=_("村（社区）"), required=False, max_length=12)
    occurred_on = forms.DateField(
        label=_("发生日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("日期无效，请按“年-月-日”填写实际存在的日期，如 2026-03-01")},
    )
    title = _text(_("纠纷事由（一句话）"), 100)
    description = _text(_("发生了什么"), DESCRIPTION_MAX, rows=6)
    other_name = _text(_("对方姓名或单位名称"), 100)
    contact_name = _text(_("您的姓名"), 100, autocomplete="name")
    contact_phone = _text(
        _("您的手机号码"), 20, inputmode="tel", autocomplete="tel", placeholder="13800000000"
    )
    challenge = forms.CharField(widget=forms.HiddenInput, required=False)
    answer = forms.CharField(
        label=_("验证题答案"),
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("请回答验证题")},
    )

    def clean_occurred_on(self) -> date | None:
        day = self.cleaned_data.get("occurred_on")
        if day is None:
            return None
        if day > timezone.localdate():
            raise forms.ValidationError(_("发生日期不能晚于今天"))
        if day < EARLIEST:
            raise forms.ValidationError(_("发生日期过早，请核对"))
        return day

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data.get("contact_phone", "").strip()
        if phone and not valid_phone(phone):
            raise forms.ValidationError(_("手机号码格式不正确，请填写 11 位手机号或带区号的电话"))
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["region"] = place_of(self, data)
        return data


def _region(value: str, level: int) -> Region | bool | None:
    """The region with this code at this level; None when nothing was chosen; False when the
    code is not a known region of that level."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        return False
    return Region.objects.filter(code=int(value), level=level).first() or False


def place_of(form: forms.Form, data: dict[str, Any]) -> Region | None:
    """The village chosen, checked against the town and county chosen above it."""
    county = _region(data.get("county", ""), Level.COUNTY)
    town = _region(data.get("town", ""), Level.TOWN)
    village = _region(data.get("village", ""), Level.VILLAGE)
    for name, found in (("county", county), ("town", town), ("village", village)):
        if found is False:
            form.add_error(name, _("所选地点不存在，请重新选择"))
            return None
    if village is None:
        form.add_error("village", _("请选择纠纷发生的村（社区）"))
        return None
    assert isinstance(village, Region)
    if isinstance(town, Region) and village.parent_id != town.code:
        form.add_error("village", _("所选村（社区）不属于所选乡镇（街道），请重新选择"))
        return None
    if isinstance(town, Region) and isinstance(county, Region) and town.parent_id != county.code:
        form.add_error("town", _("所选乡镇（街道）不属于所选县（市、区），请重新选择"))
        return None
    return village


class FollowForm(forms.Form):
    number = forms.CharField(
        label=_("纠纷编号"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": "330681109-2026-000123"}
        ),
        error_messages={"required": _("请填写纠纷编号")},
    )
    code = forms.CharField(
        label=_("查询码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": _("请填写查询码")},
    )


class EscalateForm(forms.Form):
    reason = _text(_("申请由上一级处理的理由"), REASON_MAX, rows=4)


class ReviewForm(forms.Form):
    reason = _text(_("申请上一级复核的理由"), REASON_MAX, rows=4)


class ReviewAnswerForm(forms.Form):
    answer = _text(_("复核答复（当事人可见）"), ANSWER_MAX, rows=3)
    decision = forms.ChoiceField(
        label=_("复核结果"),
        choices=[("uphold", _("维持原决定")), ("reverse", _("撤销原决定（重新受理或移送上一级）"))],
        widget=forms.RadioSelect,
    )


class RateForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("评分"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择 1 至 5 分"), "invalid_choice": _("请选择 1 至 5 分")},
    )
    comment = _text(_("评价（选填）"), COMMENT_MAX, required=False, rows=3)


class AnswerForm(forms.Form):
    answer = _text(_("答复（当事人可见）"), ANSWER_MAX, rows=3)
    transfer = forms.BooleanField(label=_("同意，并移送上一级"), required=False)


def _mobile() -> Any:
    return forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "13800000000"}
        ),
        error_messages={"required": _("请填写手机号码")},
    )


class SmsStartForm(forms.Form):
    """A dispute's number and a phone: where to send a code (to sign in, or to recover a lost
    query code)."""

    number = FollowForm.base_fields["number"]
    phone = _mobile()

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "").strip()
        if not MOBILE.match(normalise(phone)):
            raise forms.ValidationError(_("请填写 11 位手机号码"))
        return normalise(phone)


class CodeForm(forms.Form):
    """The six digits of a code received by SMS."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
                "placeholder": "000000",
            }
        ),
        error_messages={"required": _("请填写短信中的 6 位验证码")},
    )

    def clean_code(self) -> str:
        code = "".join(ch for ch in self.cleaned_data.get("code", "") if not ch.isspace())
        if not (len(code) == 6 and code.isdigit()):
            raise forms.ValidationError(_("验证码是 6 位数字"))
        return code
