"""Forms of the circulars pages (通报). They only shape input; the circular services validate
and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiefen.meetings.forms import DATE, _set
from jiefen.org.models import Body


class CircularForm(forms.Form):
    body = forms.ModelChoiceField(queryset=Body.objects.none(), label=_("通报单位"))
    period = forms.DateField(
        label=_("通报期（期初日期）"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, bodies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "body", queryset=bodies)
