"""Bodies offered in a choice, sorted and grouped so that a person finds one among dozens:
departments by the region they serve (county departments before town stations), then by their
type's order and name; other bodies by kind."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from jiefen.org.models import Body, BodyKind


def _group(body: Body) -> tuple[tuple[int, int, int], str]:
    region = body.region
    if body.kind == BodyKind.DEPARTMENT:
        label = _("%(region)s的职能部门") % {"region": region.name}
        return (1, int(region.level), region.code), label
    return (0, int(region.level), 0), str(BodyKind(body.kind).label)


def _order(body: Body) -> tuple[Any, ...]:
    kind = body.department_type
    return (kind.sort if kind is not None else 1000, body.name, body.pk)


def body_groups(bodies: Iterable[Body]) -> list[tuple[str, list[Body]]]:
    """The bodies in labelled groups: the tier bodies first (by kind, higher tier first), then
    each region's departments, county before town, each group by type order and name."""
    groups: dict[tuple[int, int, int], tuple[str, list[Body]]] = {}
    for body in bodies:
        key, label = _group(body)
        groups.setdefault(key, (label, []))[1].append(body)
    return [
        (label, sorted(members, key=_order)) for _key, (label, members) in sorted(groups.items())
    ]


def grouped_choices(bodies: Iterable[Body], empty: str | None = None) -> list[Any]:
    """`body_groups` as a form field's choices (optgroups); `empty` first when given."""
    choices: list[Any] = [("", empty)] if empty is not None else []
    for label, members in body_groups(bodies):
        choices.append((label, [(b.pk, b.name) for b in members]))
    return choices


def group_departments(field: Any, queryset: Any, empty: str | None = "—") -> None:
    """Give a ModelChoiceField of bodies its queryset and show it grouped and sorted; cleaning
    still looks the chosen body up in the queryset."""
    field.queryset = queryset
    if queryset is None:
        return
    field.choices = grouped_choices(queryset.select_related("region", "department_type"), empty)
