from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.appointments.services import SlotInput

# Rows of the proposal form; the service takes up to MAX_SLOTS.
ROWS = 3


class ProposeForm(forms.Form):
    """Up to three proposed times, each a date, a time and a place, or remote."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(ROWS):
            self.fields[f"slot{index}_date"] = forms.DateField(
                label=_("日期"),
                required=False,
                widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            )
            self.fields[f"slot{index}_time"] = forms.TimeField(
                label=_("时间"),
                required=False,
                widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
            )
            self.fields[f"slot{index}_place"] = forms.CharField(
                label=_("地点"), required=False, max_length=100
            )
            self.fields[f"slot{index}_remote"] = forms.BooleanField(
                label=_("远程调解"), required=False
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "index": index,
                "number": index + 1,
                "date": self[f"slot{index}_date"],
                "time": self[f"slot{index}_time"],
                "place": self[f"slot{index}_place"],
                "remote": self[f"slot{index}_remote"],
                "errors": self.errors.get(f"slot{index}", []),
            }
            for index in range(ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for index in range(ROWS):
            day, time = data.get(f"slot{index}_date"), data.get(f"slot{index}_time")
            if bool(day) != bool(time):
                self.add_error(None, _("第 %(n)s 个时间请同时填写日期和时间") % {"n": index + 1})
        return data

    def slots(self) -> list[SlotInput]:
        data = self.cleaned_data
        out = []
        for index in range(ROWS):
            day, time = data.get(f"slot{index}_date"), data.get(f"slot{index}_time")
            when = timezone.make_aware(datetime.combine(day, time)) if day and time else None
            out.append(
                SlotInput(
                    starts_at=when,
                    place=data.get(f"slot{index}_place") or "",
                    remote=bool(data.get(f"slot{index}_remote")),
                )
            )
        return out


OTHER = "other"


class ReplyForm(forms.Form):
    answer = forms.CharField(label=_("您的答复"))
    note = forms.CharField(
        label=_("原因或您希望的时间"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如果这些时间都不方便，请写明原因或您方便的时间"),
    )

    def slot_id(self) -> str | None:
        answer = self.cleaned_data["answer"]
        return None if answer == OTHER else answer


class ConfirmForm(forms.Form):
    slot = forms.IntegerField(widget=forms.HiddenInput)
