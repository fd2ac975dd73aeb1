"""Forms of the meetings pages (those of the screening returns are in screening_forms.py, of
the circulars in circular_forms.py). They only shape input; the services validate and decide
(so a missing chair or a decision without a dispute gets the services' own message)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiefen.accounts.models import User
from jiefen.meetings.models import Cadence, DayRule, Weekday
from jiefen.meetings.services import Person
from jiefen.org.choices import group_departments
from jiefen.org.models import Body

DATE = {"type": "date"}
TIME = {"type": "time"}


def _set(form: forms.Form, name: str, **attributes: Any) -> None:
    """Give a field its per-request queryset or choices."""
    field: Any = form.fields[name]
    for key, value in attributes.items():
        setattr(field, key, value)


def _person(user: Any) -> str:
    return user.full_name or user.username


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _person(obj)


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _person(obj)


def people_from(text: str) -> list[Person]:
    """One person a line: a name, then (after a space or comma) a unit or post."""
    people = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        parts = re.split(r"[\s,，、]+", line, maxsplit=1)
        name = parts[0]
        unit = parts[1] if len(parts) > 1 else ""
        people.append(Person(name=name, unit=unit))
    return people


class SeriesForm(forms.Form):
    cadence = forms.ChoiceField(choices=Cadence.choices, label=_("会议周期"))
    rule = forms.ChoiceField(choices=DayRule.choices, label=_("日期规则"))
    day = forms.IntegerField(
        label=_("第几天 / 第几个（-1 为最后一个）"), initial=1, min_value=-1, max_value=31
    )
    weekday = forms.TypedChoiceField(
        choices=[("", "—"), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("星期"),
    )
    starts_at = forms.TimeField(
        label=_("开始时间"), widget=forms.TimeInput(attrs=TIME, format="%H:%M")
    )
    place = forms.CharField(label=_("会议地点"), max_length=100)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class RescheduleForm(forms.Form):
    date = forms.DateField(
        label=_("会议日期"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    starts_at = forms.TimeField(
        label=_("开始时间"), widget=forms.TimeInput(attrs=TIME, format="%H:%M")
    )
    place = forms.CharField(label=_("地点"), max_length=100)


class RecordForm(forms.Form):
    held_on = forms.DateField(
        label=_("召开日期"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), required=False
    )
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    chair = PersonChoice(
        queryset=User.objects.none(),
        label=_("主持人"),
        required=False,
        empty_label="—",
    )
    present = PeopleChoice(
        queryset=User.objects.none(),
        label=_("出席（本单位）"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    present_others = forms.CharField(
        label=_("其他出席人员（每行一人：姓名 单位）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=3000,
    )
    observers = forms.CharField(
        label=_("列席人员（每行一人：姓名 单位）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=3000,
    )
    absent = forms.CharField(
        label=_("缺席人员（每行一人：姓名 原因）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=3000,
    )
    minutes = forms.CharField(
        label=_("会议纪要"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=20000,
    )

    def __init__(self, *args: Any, members: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "chair", queryset=members)
        _set(self, "present", queryset=members)


class DecisionForm(forms.Form):
    """The common part of the three decision forms: the dispute and the words."""

    dispute = forms.TypedChoiceField(
        choices=(), coerce=int, empty_value=None, required=False, label=_("纠纷（议程所列）")
    )
    number = forms.CharField(label=_("或输入纠纷编号"), max_length=32, required=False)
    text = forms.CharField(
        label=_("决定内容"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args: Any, disputes: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (
                d.pk,
                _("%(number)s %(title)s（%(status)s）")
                % {"number": d.number, "title": d.title, "status": d.get_status_display()},
            )
            for d in disputes
        ]
        _set(self, "dispute", choices=[("", "—"), *choices])


class DepartmentDecisionForm(DecisionForm):
    department = forms.ModelChoiceField(
        queryset=Body.objects.none(),
        label=_("牵头部门"),
        required=False,
        empty_label="—",
    )
    days = forms.IntegerField(
        label=_("办理期限（工作日）"), min_value=1, max_value=60, initial=10, required=False
    )

    def __init__(self, *args: Any, departments: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_departments(self.fields["department"], departments)


class LeaderDecisionForm(DecisionForm):
    leader = PersonChoice(
        queryset=User.objects.none(),
        label=_("包案领导"),
        required=False,
        empty_label="—",
    )
    plan = forms.CharField(
        label=_("化解方案"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    target_date = forms.DateField(
        label=_("化解目标日期"),
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        required=False,
    )

    def __init__(self, *args: Any, leaders: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "leader", queryset=leaders)


class OrderDecisionForm(DecisionForm):
    requirement = forms.CharField(
        label=_("督办要求"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    days = forms.IntegerField(
        label=_("办理期限（工作日）"), min_value=1, max_value=60, initial=5, required=False
    )
    to_body = forms.ModelChoiceField(
        queryset=Body.objects.none(),
        label=_("督办对象（默认为承办主体）"),
        required=False,
        empty_label="—",
    )

    def __init__(self, *args: Any, bodies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "to_body", queryset=bodies)
