"""The refusals every service raises, and the collector that gathers a form's problems.

A service refuses with one of these; views show `message` at the top of the page and `fields`
beside the inputs (jiefen.ui.service_error_to_form), the API answers `code` with its status
(jiefen.api.errors). They began with the dispute lifecycle, hence the family's name; every app
raises them, and jiefen.disputes.lifecycle still names them for older imports.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jiefen.lib.text import text_check


class DisputeError(Exception):
    """A refused move. `code` is stable for machines; `message` is for people."""

    code = "error"

    def __init__(self, message: str | Promise, *, fields: dict[str, list[str]] | None = None):
        super().__init__(str(message))
        self.message = message
        self.fields = fields or {}


class NotFound(DisputeError):
    code = "not_found"


class Conflict(DisputeError):
    """Someone else changed the record since the version the caller read. `current` says
    what it is now: for a dispute, its version, state and holder and the last change (what,
    by whom, when) — see jiefen.disputes.services.conflict_on."""

    code = "conflict"

    def __init__(
        self,
        message: str | Promise,
        *,
        fields: dict[str, list[str]] | None = None,
        current: dict[str, Any] | None = None,
    ):
        super().__init__(message, fields=fields)
        self.current = current or {}


class IllegalMove(DisputeError):
    code = "illegal_move"


class Forbidden(DisputeError):
    code = "forbidden"


class Invalid(DisputeError):
    code = "invalid"


# What an Invalid says at the top of the page when it carries problems of several fields.
CORRECT_THE_FORM = _("填写有误，请按提示修改")


class Errors:
    """The problems of one input, by field, raised together as one Invalid so that every field
    in error is shown at once. `summary` is the Invalid's message; without one it is the first
    problem found."""

    def __init__(self, summary: str | Promise | None = None) -> None:
        self.summary = summary
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def text(
        self, name: str, value: Any, limit: int, *, required: bool = False, empty: Any = None
    ) -> str:
        """`value` stripped, with its problem noted (lib.text.text_check: a refused character,
        missing where `required`, longer than `limit` characters)."""
        text, problem = text_check(value, limit=limit, required=required, empty=empty)
        if problem:
            self.add(name, problem)
        return text

    def raise_if_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields.values()))[0]
            raise Invalid(str(self.summary) if self.summary else first, fields=self.fields)


def text_valid(
    value: Any,
    *,
    field: str,
    limit: int,
    required: bool = True,
    empty: Any = None,
    counted: bool = False,
) -> str:
    """`value` stripped, or Invalid on `field` with its problem (lib.text.text_check), for a
    service that checks one text at a time."""
    text, problem = text_check(value, limit=limit, required=required, empty=empty, counted=counted)
    if problem:
        raise Invalid(problem, fields={field: [problem]})
    return text


def errors_to_form(
    error: DisputeError,
    form: Any,
    mapping: dict[str, str] | None = None,
    *,
    formsets: dict[str, Any] | None = None,
) -> None:
    """A service's refusal shown on the form the person filled, so that they see it where they
    look and keep what they typed. Each problem goes on its field — named as the service names
    it, or as `mapping` translates it — and a problem of `prefix.N.field` on the Nth form of
    `formsets[prefix]`; a problem of no field of the form, and a refusal without fields, at the
    top."""
    if not error.fields:
        form.add_error(None, str(error.message))
    for name, problems in error.fields.items():
        target = (mapping or {}).get(name, name)
        prefix, _dot, rest = target.partition(".")
        index, _dot, field = rest.partition(".")
        formset = (formsets or {}).get(prefix)
        for problem in problems:
            if formset is not None and index.isdigit() and int(index) < len(formset.forms):
                sub = formset.forms[int(index)]
                sub.add_error(field if field in sub.fields else None, problem)
            else:
                form.add_error(target if target in form.fields else None, problem)
