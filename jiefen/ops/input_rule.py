"""The input rule of jiefen.lib.text for every Django form of the site (staff pages, the portal,
the admin): one install at start-up, so no form can forget it.

Django's form CharField already refuses NUL through ProhibitNullCharactersValidator; here that
validator refuses every character the rule refuses, with the rule's message, and a CharField
treats text of spaces and zero-width characters only as empty (so `required` catches it).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError

from jiefen.lib.text import MESSAGE, text_blank, text_problem

_installed = False


def _refuse_controls(self: Any, value: Any) -> None:
    if text_problem(str(value) if value is not None else ""):
        raise ValidationError(MESSAGE, code="null_characters_not_allowed")


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    validators.ProhibitNullCharactersValidator.__call__ = _refuse_controls  # type: ignore[method-assign]
    to_python = forms.CharField.to_python

    def blank_is_empty(self: forms.CharField, value: Any) -> Any:
        value = to_python(self, value)
        if isinstance(value, str) and value and text_blank(value) and self.strip:
            return self.empty_value
        return value

    forms.CharField.to_python = blank_is_empty  # type: ignore[method-assign]
