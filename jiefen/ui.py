"""Shared form rendering for every page: the form renderer's bound field marks required fields
for assistive technology and asks phones for the right keypad, and `{% error_summary %}` (a
template built-in, placed once in base.html) lists every field in error at the top of the page
with a link to it; jiefen/app.js moves the focus there when the page loads.
"""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

register = template.Library()


class BoundField(forms.BoundField):
    def build_widget_attrs(self, attrs: Any, widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.field.required and not widget.is_hidden:
            attrs.setdefault("aria-required", "true")
        mode = inputmode(self.name, self.field, widget)
        if mode:
            attrs.setdefault("inputmode", mode)
        return attrs


def inputmode(name: str, field: forms.Field, widget: forms.Widget) -> str:
    """The keypad a phone should show: digits for phone numbers, codes and counts."""
    if isinstance(widget, forms.HiddenInput | forms.Textarea):
        return ""
    if "phone" in name or getattr(widget, "input_type", "") == "tel":
        return "tel"
    if isinstance(field, forms.DecimalField | forms.FloatField):
        return "decimal"
    if isinstance(field, forms.IntegerField) or isinstance(widget, forms.NumberInput):
        return "numeric"
    if name in ("code", "otp", "token") and isinstance(widget, forms.TextInput):
        return "numeric"
    return ""


class Renderer(DjangoTemplates):
    bound_field_class = BoundField


# --- the error summary -----------------------------------------------------------------------


def _forms_in(value: Any, depth: int = 0) -> list[Any]:
    """The forms and formsets in a context value: itself, or inside a list, tuple or dict."""
    if isinstance(value, forms.BaseForm | forms.BaseFormSet):
        return [value]
    if depth >= 2 or isinstance(value, str | bytes):
        return []
    if isinstance(value, dict):
        return [f for v in value.values() for f in _forms_in(v, depth + 1)]
    if isinstance(value, list | tuple):
        return [f for v in value for f in _forms_in(v, depth + 1)]
    return []


def _problems(form: Any, item: str = "") -> list[tuple[str, str]]:
    """(anchor, message) for each error of a bound form or formset; anchor '' when the error
    belongs to no field. A formset's forms are told apart by `item_label` of the formset
    ("当事人 %(n)s", as its fieldsets are headed), else by their position."""
    if isinstance(form, forms.BaseFormSet):
        if not form.is_bound:
            return []
        found = [("", str(e)) for e in form.non_form_errors()]
        label = getattr(form, "item_label", None) or _("第 %(n)s 项")
        for n, sub in enumerate(form.forms, start=1):
            found += _problems(sub, str(label) % {"n": n} if len(form.forms) > 1 else "")
        return found
    if not form.is_bound or not form.errors:
        return []
    found = [("", str(e)) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name not in form.fields:
            continue
        field = form[name]
        anchor = "" if field.is_hidden else field.id_for_label or field.auto_id or ""
        label = str(field.label or name)
        if item:
            label = f"{item} {label}"
        found += [
            (anchor, _("%(field)s：%(error)s") % {"field": label, "error": e}) for e in errors
        ]
    return found


@register.simple_tag(takes_context=True)
def error_summary(context: Any) -> str:
    """At the top of a page whose form came back with errors: what is wrong, each linked to
    its field."""
    seen: set[int] = set()
    problems: list[tuple[str, str]] = []
    for value in context.flatten().values():
        for form in _forms_in(value):
            if id(form) not in seen:
                seen.add(id(form))
                problems += _problems(form)
    if not problems:
        return ""
    items = format_html_join(
        "",
        "<li>{}</li>",
        (
            (format_html('<a href="#{}">{}</a>', anchor, text) if anchor else text,)
            for anchor, text in problems
        ),
    )
    return format_html(
        '<div class="error-summary" id="error-summary" role="alert" tabindex="-1">'
        "<h2>{}</h2><ul>{}</ul></div>",
        _("请修改以下内容后再提交"),
        items,
    )
