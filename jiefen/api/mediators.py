"""The register and the routing catalogue in the API: read both within the token's
jurisdiction; add a mediator to a body whose head or administrator the token's person is,
through the register's own checks (jiefen.mediators.services)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from jiefen.api import schemas as s
from jiefen.disputes.access import roles_by_body
from jiefen.disputes.models import Category
from jiefen.lib.errors import Forbidden, Invalid, NotFound
from jiefen.lib.personal import mask_phone
from jiefen.mediators.models import Mediator, RouteEntry
from jiefen.mediators.selectors import mediators_for
from jiefen.mediators.services import mediator_save
from jiefen.org.models import Role
from jiefen.org.scope import body_for, scope_of

router = Router(tags=["mediators"])


class MediatorOut(Schema):
    id: int
    name: str
    home_body: int
    bodies: list[int]
    categories: list[str]
    languages: str
    full_time: bool
    appointed_on: date
    term_ends: date | None
    weekdays: str
    active: bool
    open_cases: int
    phone: str  # masked


class MediatorPage(Schema):
    items: list[MediatorOut]
    next: str | None


class MediatorIn(Schema):
    name: str = Field(max_length=50)
    home_body: int
    bodies: list[int] = Field(default_factory=list, max_length=20)
    categories: list[str] = Field(default_factory=list, max_length=30)
    languages: str = Field("", max_length=100)
    full_time: bool = False
    appointed_on: date
    term_ends: date | None = None
    weekdays: str = Field("12345", max_length=7)
    phone: str = Field("", max_length=30)


class RouteOut(Schema):
    id: int
    region: int
    level: int
    category: str
    keyword: str
    amount_min: str | None
    amount_max: str | None
    people_min: int | None
    people_max: int | None
    department: int | None
    committee: int | None
    source: str
    active: bool


class RoutePage(Schema):
    items: list[RouteOut]
    next: str | None


def _errors(*codes: int) -> dict[int, type[s.Error]]:
    return dict.fromkeys((401, *codes), s.Error)


def _out(m: Mediator) -> dict[str, Any]:
    return {
        "id": m.pk,
        "name": m.name,
        "home_body": m.home_body_id,
        "bodies": sorted(b.pk for b in m.bodies.all()),
        "categories": sorted(c.key for c in m.categories.all()),
        "languages": m.languages,
        "full_time": m.full_time,
        "appointed_on": m.appointed_on,
        "term_ends": m.term_ends,
        "weekdays": m.weekdays,
        "active": m.active,
        "open_cases": m.open_cases,
        "phone": mask_phone(m.phone) if m.phone else "",
    }


@router.get(
    "/mediators",
    response={200: MediatorPage, **_errors(422)},
    summary="The mediators of the jurisdiction, by id, in pages (numbers masked)",
)
def mediators(
    request: HttpRequest,
    cursor: str | None = Query(None, pattern=r"^[0-9]{1,18}$"),
    limit: int = Query(100, ge=1, le=500),
) -> Any:
    qs = mediators_for(request.actor).order_by("id")  # type: ignore[attr-defined]
    if cursor:
        qs = qs.filter(id__gt=int(cursor))
    rows = list(qs.prefetch_related("bodies", "categories")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [_out(m) for m in rows], "next": str(rows[-1].pk) if more else None}


@router.post(
    "/mediators",
    response={201: MediatorOut, **_errors(400, 403, 404, 422)},
    summary="Add a mediator to a body whose head or administrator you are",
)
def mediator_add(request: HttpRequest, data: MediatorIn) -> Any:
    actor = request.actor  # type: ignore[attr-defined]
    try:
        home = body_for(actor, data.home_body)
        served = [body_for(actor, pk) for pk in sorted({data.home_body, *data.bodies})]
    except Http404:
        raise NotFound(_("调处主体不存在或不在您的管辖范围内")) from None
    roles = roles_by_body(actor).get(home.pk, set())
    if not (actor.is_superuser or roles & {Role.HEAD, Role.ADMIN}):
        raise Forbidden(_("只有调处主体的负责人或管理员可以登记调解员"))
    categories = list(Category.objects.filter(key__in=data.categories))
    if len(categories) != len(set(data.categories)):
        raise Invalid(_("纠纷类别无效"), fields={"categories": [_("纠纷类别无效")]})
    mediator = mediator_save(
        mediator=Mediator(
            name=data.name,
            home_body=home,
            languages=data.languages,
            full_time=data.full_time,
            appointed_on=data.appointed_on,
            term_ends=data.term_ends,
            weekdays=data.weekdays,
            phone=data.phone or None,
        ),
        bodies=served,
        categories=categories,
    )
    return Status(201, _out(mediator))


@router.get(
    "/routes",
    response={200: RoutePage, **_errors(422)},
    summary="The routing catalogue (归口目录) of the jurisdiction, by id, in pages",
)
def routes(
    request: HttpRequest,
    cursor: str | None = Query(None, pattern=r"^[0-9]{1,18}$"),
    limit: int = Query(100, ge=1, le=500),
) -> Any:
    actor = request.actor  # type: ignore[attr-defined]
    qs = scope_of(actor).filter(RouteEntry.objects.all(), "region__code")
    qs = qs.select_related("category").order_by("id")
    if cursor:
        qs = qs.filter(id__gt=int(cursor))
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [
            {
                "id": e.pk,
                "region": e.region_id,
                "level": e.level,
                "category": e.category.key,
                "keyword": e.keyword,
                "amount_min": str(e.amount_min) if e.amount_min is not None else None,
                "amount_max": str(e.amount_max) if e.amount_max is not None else None,
                "people_min": e.people_min,
                "people_max": e.people_max,
                "department": e.department_id,
                "committee": e.committee_id,
                "source": e.source,
                "active": e.active,
            }
            for e in rows
        ],
        "next": str(rows[-1].pk) if more else None,
    }
