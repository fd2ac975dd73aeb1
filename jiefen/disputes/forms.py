"""Forms of the staff UI. They only shape input; the services validate and decide."""

import re
import secrets
from typing import Any, ClassVar

from django import forms
from django.core import signing
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
    Tier,
    Warning,
)
from jiefen.lib.personal import valid_credit_code, valid_phone, valid_resident_id
from jiefen.org.choices import group_departments


def _date_input():
    """An HTML date input; ISO format whatever the language, or browsers show it empty."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class RegisterForm(forms.Form):
    body = forms.ModelChoiceField(queryset=None, label=_("登记单位"))  # type: ignore[arg-type,var-annotated]
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(active=True), label=_("纠纷类别")
    )
    channel = forms.ChoiceField(choices=Channel.choices, label=_("来源"))
    region = forms.IntegerField(label=_("发生地（村/社区）"))
    title = forms.CharField(label=_("事由"), max_length=100)
    description = forms.CharField(
        label=_("纠纷概况"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    project = forms.CharField(
        label=_("涉及项目"),
        max_length=100,
        required=False,
        help_text=_("如工程、楼盘、征地拆迁项目的名称；同一项目的纠纷会被合并研判"),
    )
    people_involved = forms.IntegerField(label=_("涉及人数"), min_value=1, initial=2)
    amount = forms.DecimalField(
        label=_("涉及金额（元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    risk = forms.ChoiceField(choices=Risk.choices, label=_("风险等级"), initial=Risk.ORDINARY)
    complex = forms.BooleanField(label=_("疑难复杂"), required=False)
    cross_area = forms.BooleanField(label=_("跨区域"), required=False)

    # One-time token: a resubmission of the same form (back button, double tap, the busy
    # page's retry) finds the dispute it registered instead of making a second one.
    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, bodies=None, regions=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("once"):
            self.initial["once"] = once_new()
        self.fields["body"].queryset = bodies  # type: ignore[attr-defined]
        self.fields["region"] = forms.TypedChoiceField(
            choices=[
                (r.code, _("%(name)s（%(code)s）") % {"name": r.name, "code": r.code})
                for r in regions
            ],
            coerce=int,
            label=_("发生地（村/社区）"),
        )

    def clean_once(self) -> str:
        """The token's nonce, for dispute_register_once; a form older than ONCE_MAX_AGE (or
        without a valid token) is sent back with a fresh one, its text kept."""
        nonce = once_nonce(self.cleaned_data.get("once", ""))
        if nonce is None:
            self.data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict
            self.data["once"] = once_new()  # type: ignore[index]
            self.add_error(
                None,
                _(
                    "此登记表已打开超过一天。请先在纠纷列表中核对该纠纷是否已经登记；"
                    "如未登记，再次提交即可"
                ),
            )
            return ""
        return nonce


ONCE_SALT = "jiefen.disputes.register.once"
ONCE_MAX_AGE = 24 * 3600  # seconds


def once_new() -> str:
    return signing.dumps(secrets.token_urlsafe(12), salt=ONCE_SALT)


def once_nonce(token: str) -> str | None:
    try:
        nonce = signing.loads(token or "", salt=ONCE_SALT, max_age=ONCE_MAX_AGE)
    except signing.BadSignature:
        return None
    return nonce if isinstance(nonce, str) and nonce else None


class PartyForm(forms.Form):
    side = forms.ChoiceField(choices=Side.choices, label=_("身份"))
    kind = forms.ChoiceField(choices=PartyKind.choices, label=_("类型"))
    name = forms.CharField(label=_("姓名或名称"), max_length=100)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    id_number = forms.CharField(label=_("证件号码"), max_length=30, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)

    def clean(self):  # type: ignore[no-untyped-def]
        """The service's checks of a phone and an ID number (services._check_parties, same
        rules and words), here too so they show with every other error in one submit instead
        of only once the rest of the form is right."""
        data = super().clean() or {}
        phone = (data.get("phone") or "").strip()
        if phone and not valid_phone(phone):
            self.add_error("phone", _("联系电话格式不正确"))
        number = (data.get("id_number") or "").strip()
        if number:
            ok = (
                valid_credit_code(number)
                if data.get("kind") == PartyKind.ORGANISATION
                else valid_resident_id(number)
            )
            if not ok:
                self.add_error("id_number", _("证件号码不正确（请核对校验位）"))
        return data


class BasePartyFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        sides = [f.cleaned_data.get("side") for f in self.forms if hasattr(f, "cleaned_data")]
        if not any(side == Side.APPLICANT for side in sides):
            raise forms.ValidationError(_("至少需要一名申请人"), code="no_applicant")


PartyFormSet = forms.formset_factory(
    PartyForm,
    formset=BasePartyFormSet,
    extra=0,
    min_num=1,
    max_num=20,
    validate_min=True,
    validate_max=True,
)
# How the error summary names each party's fields (as the page heads their fieldsets).
PartyFormSet.item_label = _("当事人 %(n)s")  # type: ignore[attr-defined]


MAX_IDS = 200


class CommaChoiceField(forms.CharField):
    """Comma-separated values, each one of `choices`: "village,town" → ["village", "town"].
    Links from the dashboard combine values a single select cannot."""

    def __init__(self, *, choices, labels=None, **kwargs):  # type: ignore[no-untyped-def]
        self.allowed = {str(k): v for k, v in choices}
        options = labels if labels is not None else [("", "—"), *choices]
        kwargs.setdefault("widget", forms.Select(choices=options))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def to_python(self, value):  # type: ignore[no-untyped-def]
        text = super().to_python(value)
        return [part.strip() for part in text.split(",") if part.strip()] if text else []

    def validate(self, value):  # type: ignore[no-untyped-def]
        super().validate(value)
        wrong = [v for v in value if v not in self.allowed]
        if wrong:
            raise forms.ValidationError(
                _("无法识别的取值：%(values)s"),
                code="invalid_choice",
                params={"values": "、".join(wrong)},
            )

    def words(self, values: list[str]) -> str:
        return "、".join(str(self.allowed.get(v, v)) for v in values)


def _event_choices() -> list[tuple[str, Any]]:
    from jiefen.disputes.lifecycle import EVENT_LABELS

    return [(str(key), label) for key, label in EVENT_LABELS.items()]


NAMED = re.compile(r"^(?P<name>.*?)\s*[（(]\s*(?P<code>\d{1,12})\s*[)）]\s*$")


def _by_name(text: str | None, actor: Any, lookup: Any) -> int | None:
    """A code or id as typed, or the one place or body of that name within the actor's reach
    ("name（code）" as the suggestions give it narrows a name shared by several)."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    found = NAMED.match(text)
    name, code = (found["name"], int(found["code"])) if found else (text, None)
    matches = lookup(actor, name, code) if actor is not None else []
    if not matches:
        raise forms.ValidationError(
            _("管辖范围内没有名为“%(name)s”的单位或区划，请从提示中选择"),
            code="unknown",
            params={"name": name},
        )
    if len(matches) > 1:
        raise forms.ValidationError(
            _("有 %(n)d 个名为“%(name)s”的单位或区划，请从提示中选择其中一个"),
            code="ambiguous",
            params={"n": len(matches), "name": name},
        )
    return int(matches[0])


class FilterForm(forms.Form):
    """The list's filters. Besides what a person picks here, the dashboard links each figure to
    the list with the filters that select the disputes behind it (metrics.dashboard.links);
    those not shown as inputs appear as removable chips."""

    status = forms.ChoiceField(
        choices=[("", _("全部状态")), ("open", _("未办结")), *Status.choices],
        required=False,
        label=_("状态"),
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), required=False, label=_("类别"), empty_label=_("全部类别")
    )
    # Chosen by name: a place or a body typed, or picked from the suggestions app.js fetches
    # (disputes:suggest); a dashboard link still gives the code or the id.
    region = forms.CharField(
        required=False,
        max_length=120,
        label=_("发生地"),
        widget=forms.TextInput(
            attrs={"list": "region-options", "autocomplete": "off", "data-suggest": "region"}
        ),
    )
    holder = forms.CharField(
        required=False,
        max_length=120,
        label=_("承办主体"),
        widget=forms.TextInput(
            attrs={"list": "holder-options", "autocomplete": "off", "data-suggest": "holder"}
        ),
    )
    warning = forms.ChoiceField(
        choices=[("", _("全部")), ("overdue", _("已超期")), (str(Warning.YELLOW), _("黄色预警"))],
        required=False,
        label=_("预警"),
    )
    registered_from = forms.DateField(required=False, label=_("登记日期自"), widget=_date_input())
    registered_to = forms.DateField(required=False, label=_("至"), widget=_date_input())
    accepted_from = forms.DateField(required=False, label=_("受理日期自"), widget=_date_input())
    accepted_to = forms.DateField(required=False, label=_("受理日期至"), widget=_date_input())
    outcome = forms.ChoiceField(
        choices=[("", _("全部结果")), *Outcome.choices], required=False, label=_("办结结果")
    )
    tier = CommaChoiceField(
        choices=Tier.choices,
        labels=[("", _("全部层级")), *Tier.choices, ("village,town", _("乡镇及以下"))],
        label=_("所在层级"),
    )
    satisfaction = CommaChoiceField(
        choices=[(str(i), str(i)) for i in range(5, 0, -1)],
        labels=[
            ("", _("全部")),
            ("4,5", _("满意（4–5分）")),
            ("1,2,3", _("不满意（1–3分）")),
            *[(str(i), str(i)) for i in range(5, 0, -1)],
        ],
        label=_("满意度"),
    )
    mass = forms.BooleanField(required=False, label=_("仅群体性（10人以上）"))
    # Names, phone and ID numbers, number parts and words: jiefen.search.query.
    # Shown above the folded filters, and sent with them (the filter form's id).
    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("查找"),
        widget=forms.TextInput(
            attrs={
                "form": "filter-form",
                "type": "search",
                "placeholder": _("姓名、电话、编号或事由"),
            }
        ),
    )
    sort = forms.ChoiceField(
        choices=[
            ("", _("默认（查找时最相关的在前）")),
            ("registered", _("登记时间（新的在前）")),
            ("due", _("办理时限（近的在前）")),
        ],
        required=False,
        label=_("排序"),
    )
    # Set by links, shown as a chip: disputes with an event of one of these actions, on these
    # local dates.
    event = CommaChoiceField(choices=(), widget=forms.HiddenInput, label=_("办理事项"))
    event_from = forms.DateField(required=False, widget=forms.HiddenInput, label=_("办理日期自"))
    event_to = forms.DateField(required=False, widget=forms.HiddenInput, label=_("办理日期至"))
    # Set by an early warning's link: exactly the disputes behind it.
    ids = forms.CharField(
        required=False, max_length=2000, widget=forms.HiddenInput, label=_("指定纠纷")
    )

    def __init__(self, *args, actor=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["event"].allowed = dict(_event_choices())  # type: ignore[attr-defined]
        if self.is_bound:
            # A code or an id from a link is shown by its name.
            from jiefen.disputes.selectors import body_named, region_named

            data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict when bound
            for name, shown in (("region", region_named), ("holder", body_named)):
                value = (data.get(name) or "").strip()
                if value.isdigit() and actor is not None:
                    data[name] = shown(actor, int(value)) or value
            self.data = data

    def clean_region(self) -> int | None:
        from jiefen.disputes.selectors import region_by_name

        return _by_name(self.cleaned_data.get("region"), self.actor, region_by_name)

    def clean_holder(self) -> int | None:
        from jiefen.disputes.selectors import body_by_name

        return _by_name(self.cleaned_data.get("holder"), self.actor, body_by_name)

    def clean_ids(self) -> list[int]:
        parts = [p.strip() for p in (self.cleaned_data.get("ids") or "").split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError(_("纠纷编号列表格式不正确"), code="invalid")
        if len(parts) > MAX_IDS:
            raise forms.ValidationError(
                _("一次最多指定 %(max)d 件纠纷"), code="too_many", params={"max": MAX_IDS}
            )
        return sorted({int(p) for p in parts})

    def clean(self):  # type: ignore[no-untyped-def]
        super().clean()
        data = self.cleaned_data
        for start_key, end_key in (
            ("registered_from", "registered_to"),
            ("accepted_from", "accepted_to"),
            ("event_from", "event_to"),
        ):
            start, end = data.get(start_key), data.get(end_key)
            if start and end and start > end:
                self.add_error(end_key, _("结束日期不能早于开始日期"))
        if (data.get("event_from") or data.get("event_to")) and not data.get("event"):
            self.add_error("event", _("按办理日期筛选时须指明办理事项"))
        return data

    def chips(self) -> list[dict[str, str]]:
        """The filters set by a link and not shown as an input: words, and the query without
        them (to remove the chip)."""
        if not self.is_bound or not self.is_valid():
            return []
        data = self.cleaned_data
        chips = []
        if data.get("ids"):
            query = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict
            for key in ("ids", "after", "before"):
                query.pop(key, None)
            chips.append(
                {
                    "label": str(self.fields["ids"].label),
                    "value": _("%(n)d 件") % {"n": len(data["ids"])},
                    "remove": query.urlencode(),
                }
            )
        if not data.get("event"):
            return chips
        words = self.fields["event"].words(data["event"])  # type: ignore[attr-defined]
        start, end = data.get("event_from"), data.get("event_to")
        if start or end:
            words += _("（%(start)s 至 %(end)s）") % {
                "start": start.isoformat() if start else "…",
                "end": end.isoformat() if end else "…",
            }
        query = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict
        for key in ("event", "event_from", "event_to", "after", "before"):
            query.pop(key, None)
        label = str(self.fields["event"].label)
        return [*chips, {"label": label, "value": words, "remove": query.urlencode()}]


class ReasonForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


# Shown on the resolve and decline forms when a party's request is still waiting: the answer
# is required then (services._answer_pending) and reaches the party on the portal.
PENDING_ANSWER_LABEL = _("给当事人上移申请的答复（当事人可见）")


def pending_answer_field() -> forms.CharField:
    return forms.CharField(
        label=PENDING_ANSWER_LABEL,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=True,
        help_text=_("当事人有尚未答复的上移申请，办结或不予受理时须一并答复"),
    )


class DeclineForm(ReasonForm):
    route = forms.ChoiceField(
        choices=[("", "—"), *Route.choices], required=False, label=_("建议途径")
    )


class SessionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    held_on = forms.DateField(label=_("调解日期"), widget=_date_input())
    place = forms.CharField(label=_("地点"), max_length=100)
    seated = forms.TypedMultipleChoiceField(
        label=_("参加调解的调解员（名册）"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mediators = forms.CharField(
        label=_("调解员"),
        max_length=200,
        help_text=_("记录和文书上印出的姓名；勾选的调解员会自动列入，名册外的人员请在此填写"),
    )
    attendees = forms.CharField(label=_("参加人员"), max_length=300)

    def __init__(self, *args, seating=None, **kwargs):  # type: ignore[no-untyped-def]
        """`seating`: the register's mediators to offer, in groups of (id, name); without any,
        the names are typed only."""
        super().__init__(*args, **kwargs)
        if seating:
            self.fields["seated"].choices = seating  # type: ignore[attr-defined]
            self.fields["mediators"].required = False
        else:
            del self.fields["seated"]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean() or {}
        if "seated" in self.fields and not data.get("seated") and not data.get("mediators"):
            self.add_error("mediators", _("请勾选或填写调解员"))
        return data

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
    department = forms.ModelChoiceField(queryset=None, label=_("职能部门"))  # type: ignore[arg-type,var-annotated]
    days = forms.IntegerField(label=_("办理期限（工作日）"), min_value=1, max_value=60, initial=7)

    def __init__(self, *args, departments=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        group_departments(self.fields["department"], departments)


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

    # Other apps add what they need recorded at resolution, registering a class here when
    # they load (the documents app: the items of the people's mediation agreement). Each is
    # made with (form, dispute, actor), may add fields and groups, and has check() (raises
    # DisputeError) and save(actor=...), which the resolve view calls in its transaction.
    extensions: ClassVar[list[Any]] = []

    def __init__(self, *args, dispute=None, actor=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # (legend, CSS class, field names): shown as fieldsets after the other fields.
        self.groups: list[tuple[Any, str, list[str]]] = [
            (_("调解协议"), "agreement-only", ["facts", "terms", "performance", "signed_on"])
        ]
        self.added = (
            [extension(self, dispute, actor) for extension in self.extensions]
            if dispute is not None
            else []
        )

    def ungrouped(self) -> list[Any]:
        grouped = {name for _legend, _css, names in self.groups for name in names}
        return [f for f in self.visible_fields() if f.name not in grouped]

    def fieldsets(self) -> list[tuple[Any, str, list[Any]]]:
        return [(legend, css, [self[n] for n in names]) for legend, css, names in self.groups]

    def agreement(self) -> bool:
        return self.is_bound and self.is_valid() and self.cleaned_data["outcome"] == "agreement"


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
