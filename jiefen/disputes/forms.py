"""Forms of the staff UI. They only shape input; the services validate and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import (
    Category,
    Channel,
    Outcome,
    PartyKind,
    Risk,
    Route,
    Side,
    Status,
    Warning,
)


def _date_input():
    """An HTML date input; ISO format whatever the language, or browsers show it empty."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class RegisterForm(forms.Form):
    body = forms.ModelChoiceField(queryset=None, label=_("登记单位"))  # type: ignore[arg-type]
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(active=True), label=_("纠纷类别")
    )
    channel = forms.ChoiceField(choices=Channel.choices, label=_("来源"))
    region = forms.IntegerField(label=_("发生地（村/社区）"))
    title = forms.CharField(label=_("事由"), max_length=100)
    description = forms.CharField(
        label=_("纠纷概况"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    people_involved = forms.IntegerField(label=_("涉及人数"), min_value=1, initial=2)
    amount = forms.DecimalField(
        label=_("涉及金额（元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    risk = forms.ChoiceField(choices=Risk.choices, label=_("风险等级"), initial=Risk.ORDINARY)
    complex = forms.BooleanField(label=_("疑难复杂"), required=False)
    cross_area = forms.BooleanField(label=_("跨区域"), required=False)

    def __init__(self, *args, bodies=None, regions=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies
        self.fields["region"] = forms.TypedChoiceField(
            choices=[(r.code, f"{r.name}（{r.code}）") for r in regions],
            coerce=int,
            label=_("发生地（村/社区）"),
        )


class PartyForm(forms.Form):
    side = forms.ChoiceField(choices=Side.choices, label=_("身份"))
    kind = forms.ChoiceField(choices=PartyKind.choices, label=_("类型"))
    name = forms.CharField(label=_("姓名或名称"), max_length=100)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    id_number = forms.CharField(label=_("证件号码"), max_length=30, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)


PartyFormSet = forms.formset_factory(
    PartyForm, extra=0, min_num=1, max_num=20, validate_min=True, validate_max=True
)


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", _("全部状态")), ("open", _("未办结")), *Status.choices],
        required=False,
        label=_("状态"),
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), required=False, label=_("类别"), empty_label=_("全部类别")
    )
    region = forms.IntegerField(required=False, label=_("区划代码"))
    holder = forms.IntegerField(required=False, label=_("承办主体"))
    warning = forms.ChoiceField(
        choices=[("", _("全部")), ("overdue", _("已超期")), (str(Warning.YELLOW), _("黄色预警"))],
        required=False,
        label=_("预警"),
    )
    registered_from = forms.DateField(required=False, label=_("登记日期自"), widget=_date_input())
    registered_to = forms.DateField(required=False, label=_("至"), widget=_date_input())
    q = forms.CharField(required=False, max_length=100, label=_("编号或内容"))

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        start, end = data.get("registered_from"), data.get("registered_to")
        if start and end and start > end:
            self.add_error("registered_to", _("结束日期不能早于开始日期"))
        return data


class ReasonForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


class DeclineForm(ReasonForm):
    route = forms.ChoiceField(
        choices=[("", "—"), *Route.choices], required=False, label=_("建议途径")
    )


class SessionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    held_on = forms.DateField(label=_("调解日期"), widget=_date_input())
    place = forms.CharField(label=_("地点"), max_length=100)
    mediators = forms.CharField(label=_("调解员"), max_length=200)
    attendees = forms.CharField(label=_("参加人员"), max_length=300)
    record = forms.CharField(
        label=_("调解情况"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    agreed = forms.CharField(
        label=_("达成事项"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )


class AssignForm(ReasonForm):
    department = forms.ModelChoiceField(queryset=None, label=_("职能部门"))  # type: ignore[arg-type]
    days = forms.IntegerField(label=_("办理期限（工作日）"), min_value=1, max_value=60, initial=7)

    def __init__(self, *args, departments=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class ResolveForm(ReasonForm):
    outcome = forms.ChoiceField(
        choices=Outcome.choices, label=_("办结结果"), widget=forms.RadioSelect
    )
    route = forms.ChoiceField(
        choices=[("", "—"), *Route.choices], required=False, label=_("未达成协议时建议的途径")
    )
    facts = forms.CharField(
        label=_("纠纷主要事实、争议事项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    terms = forms.CharField(
        label=_("协议内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    performance = forms.CharField(
        label=_("履行方式、时限"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    signed_on = forms.DateField(label=_("签订日期"), required=False, widget=_date_input())


class VisitForm(ReasonForm):
    satisfaction = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        coerce=int,
        label=_("满意度（1–5）"),
        widget=forms.RadioSelect,
    )
    held = forms.TypedChoiceField(
        choices=[("", _("不适用")), ("1", _("协议已履行")), ("0", _("协议未履行"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
        label=_("协议履行情况"),
    )


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("查看理由"), max_length=200)
