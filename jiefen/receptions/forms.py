"""Forms of the reception pages. They only shape input; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiefen.accounts.models import User
from jiefen.disputes.models import Category
from jiefen.org.models import Body
from jiefen.receptions.models import ReceptionKind

DATE = {"type": "date"}
TIME = {"type": "time"}


def _set(form: forms.Form, name: str, **attributes: Any) -> None:
    """Give a field its per-request queryset or choices."""
    field: Any = form.fields[name]
    for key, value in attributes.items():
        setattr(field, key, value)


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name or obj.username


class DayForm(forms.Form):
    body = forms.ModelChoiceField(queryset=Body.objects.none(), label=_("单位"))
    leader = PersonChoice(queryset=User.objects.none(), label=_("接访领导"), required=False)
    kind = forms.ChoiceField(choices=ReceptionKind.choices, label=_("方式"))
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    starts_at = forms.TimeField(
        label=_("开始时间"), widget=forms.TimeInput(attrs=TIME, format="%H:%M")
    )
    ends_at = forms.TimeField(
        label=_("结束时间"), widget=forms.TimeInput(attrs=TIME, format="%H:%M")
    )
    slot_minutes = forms.IntegerField(
        label=_("每个时段（分钟）"), initial=30, min_value=10, max_value=240
    )
    place = forms.CharField(label=_("地点"), max_length=100)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, bodies: Any = None, leaders: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "body", queryset=bodies)
        _set(self, "leader", queryset=leaders)


class BookForm(forms.Form):
    slot = forms.TypedChoiceField(choices=(), coerce=int, label=_("时段"))
    number = forms.CharField(label=_("纠纷编号（已登记的纠纷）"), max_length=32, required=False)
    title = forms.CharField(label=_("新事项：事由"), max_length=100, required=False)
    description = forms.CharField(
        label=_("情况简述"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)

    def __init__(self, *args: Any, slots: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(
            self, "slot", choices=[(s.pk, f"{s.starts_at:%H:%M}–{s.ends_at:%H:%M}") for s in slots]
        )


class PublicBookForm(BookForm):
    code = forms.CharField(label=_("查询码"), max_length=20, required=False)
    challenge = forms.CharField(widget=forms.HiddenInput)
    answer = forms.CharField(label=_("验证题"), max_length=4)


class ReceptionRecordForm(forms.Form):
    record = forms.CharField(
        label=_("接访记录"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    absent = forms.BooleanField(label=_("当事人未到"), required=False)
    register = forms.BooleanField(label=_("登记为新的纠纷"), required=False)
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(active=True), label=_("纠纷类别"), required=False
    )
    region = forms.TypedChoiceField(
        choices=(), coerce=int, required=False, empty_value=None, label=_("发生地")
    )

    def __init__(self, *args: Any, regions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (r.code, _("%(name)s（%(code)s）") % {"name": r.name, "code": r.code}) for r in regions
        ]
        _set(self, "region", choices=[("", "—"), *choices])
