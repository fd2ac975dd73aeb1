"""The REST API, version 1, at /api/v1/ (django-ninja; OpenAPI at /api/v1/openapi.json).

Every operation needs a token (`Authorization: Bearer jf_…`). A request runs as the token's
user limited to the token's body (see tokens.limited_actor): reads go through
jiefen.disputes.access and selectors, writes through jiefen.disputes.services, as in the staff
UI. A dispute outside the token's jurisdiction and one that does not exist get the same 404.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Path, Query, Router, Status
from ninja.security import HttpBearer

from jiefen.api import schemas as s
from jiefen.api.errors import IdempotencyMismatch, install_handlers
from jiefen.api.mediators import router as mediators_router
from jiefen.api.models import ApiToken, IdempotencyKey
from jiefen.api.openapi import JiefenAPI
from jiefen.api.tokens import limited_actor, token_check
from jiefen.disputes import services
from jiefen.disputes.access import available_moves, dispute_by_number, dispute_for, may_make
from jiefen.disputes.lifecycle import TABLE, Action, event_label
from jiefen.disputes.models import Category, Dispute
from jiefen.disputes.reads import events_of
from jiefen.disputes.selectors import dispute_list
from jiefen.lib.errors import Conflict, Forbidden, Invalid, NotFound
from jiefen.lib.personal import mask_id, mask_phone
from jiefen.org.models import Body, BodyKind
from jiefen.org.scope import bodies_for, scope_of
from jiefen.regions.models import Region

# --- authentication ----------------------------------------------------------------------------


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_check(token)
        if found is None:
            return None
        request.actor = limited_actor(found)  # type: ignore[attr-defined]
        return found


api = JiefenAPI(
    title="jiefen 解纷 API",
    version="1",
    description=(
        "Disputes for systems and staff. Authenticate with `Authorization: Bearer <token>`; "
        "a token acts for one person within one body's jurisdiction. Errors are "
        '`{"code", "message", "fields"}` with a stable `code`.'
    ),
    urls_namespace="api:v1",
    auth=TokenAuth(),
)
install_handlers(api)
router = Router(tags=["disputes"])
reference = Router(tags=["reference"])


def _errors(*codes: int) -> dict[int, type[s.Error]]:
    return dict.fromkeys((401, *codes), s.Error)


def _actor(request: HttpRequest) -> Any:
    return request.actor  # type: ignore[attr-defined]


def _token(request: HttpRequest) -> ApiToken:
    return request.auth  # type: ignore[attr-defined]


# --- answers -----------------------------------------------------------------------------------


def _local(value: Any) -> Any:
    return timezone.localtime(value) if value is not None else None


def _body_ref(body: Body | None) -> dict[str, Any] | None:
    if body is None:
        return None
    return {"id": body.pk, "name": body.name, "kind": body.kind}


def _item(dispute: Dispute) -> dict[str, Any]:
    return {
        "id": dispute.pk,
        "number": dispute.number,
        "version": dispute.version,
        "status": dispute.status,
        "status_label": str(dispute.get_status_display()),
        "category": dispute.category.key,
        "category_name": dispute.category.name,
        "region": dispute.region_code,
        "region_name": dispute.region.name,
        "title": dispute.title,
        "holder": _body_ref(dispute.holder),
        "tier": dispute.tier,
        "due_date": dispute.due_date,
        "warning": dispute.warning,
        "registered_at": _local(dispute.registered_at),
    }


def _detail(actor: Any, dispute: Dispute) -> dict[str, Any]:
    parties = [
        {
            "id": p.pk,
            "side": p.side,
            "kind": p.kind,
            "name": p.name,
            # Never the full numbers: revealing one is a logged act in the staff UI.
            "phone": mask_phone(p.phone or ""),
            "id_number": mask_id(p.id_number or ""),
            "address": p.address,
        }
        for p in dispute.parties.all()
    ]
    return _item(dispute) | {
        "channel": dispute.channel,
        "description": dispute.description,
        "project": dispute.project,
        "people_involved": dispute.people_involved,
        "amount": None if dispute.amount is None else str(dispute.amount),
        "risk": dispute.risk,
        "complex": dispute.complex,
        "cross_area": dispute.cross_area,
        "mass": dispute.mass,
        "transfer_to": _body_ref(dispute.transfer_to),
        "department": _body_ref(dispute.department),
        "due_action": dispute.due_action,
        "outcome": dispute.outcome,
        "route": dispute.route,
        "satisfaction": dispute.satisfaction,
        "accepted_at": _local(dispute.accepted_at),
        "resolved_at": _local(dispute.resolved_at),
        "closed_at": _local(dispute.closed_at),
        "parties": parties,
        "actions": [str(move.action) for move in available_moves(actor, dispute)],
    }


TEXT_QUERY = Query(None, max_length=100)
REF_PATTERN = r"^[0-9A-Za-z-]{1,32}$"
Ref = Path(..., pattern=REF_PATTERN, description="dispute id or number (330681109-2026-000001)")


def _find(actor: Any, ref: str) -> Dispute:
    """The dispute by id or by number, if the actor may see it; NotFound otherwise."""
    if ref.isascii() and ref.isdigit():
        if len(ref) > 18:
            raise NotFound(_("纠纷不存在或不在您的管辖范围内"))
        return dispute_for(actor, int(ref))
    return dispute_for(actor, dispute_by_number(actor, ref).pk)


# --- disputes ----------------------------------------------------------------------------------


def _payload_digest(payload: s.DisputeIn) -> str:
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _register(actor: Any, token: ApiToken, payload: s.DisputeIn) -> Dispute:
    return services.dispute_register(
        actor=actor,
        data=services.DisputeInput(
            body=token.body,
            category=Category.objects.filter(key=payload.category).first(),
            channel=payload.channel,
            # The token's own region is loaded with the token (tokens.token_check).
            region=(
                token.body.region
                if payload.region == token.body.region_code
                else Region.objects.filter(code=payload.region).first()
            ),
            title=payload.title,
            description=payload.description,
            project=payload.project,
            people_involved=payload.people_involved,
            amount=payload.amount,
            risk=payload.risk,
            complex=payload.complex,
            cross_area=payload.cross_area,
            parties=[services.PartyInput(**p.model_dump()) for p in payload.parties],
        ),
    )


@router.post(
    "/disputes",
    response={201: s.DisputeOut, 200: s.DisputeOut, **_errors(400, 403, 409, 422)},
    summary="Register a dispute at the token's body",
    description=(
        "With an `Idempotency-Key` header, a retry with the same key and the same payload "
        "returns the dispute already registered (200) instead of registering it again; the "
        "same key with a different payload is refused with 422 `idempotency_mismatch`. Keys "
        "are remembered per token, only for registrations that succeeded."
    ),
)
def register(
    request: HttpRequest,
    response: HttpResponse,
    payload: s.DisputeIn,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", min_length=1, max_length=200
    ),
) -> Any:
    actor, token = _actor(request), _token(request)
    if idempotency_key is None:
        return Status(201, _detail(actor, _register(actor, token, payload)))
    digest = _payload_digest(payload)
    try:
        with transaction.atomic():
            dispute = _register(actor, token, payload)
            # The key is written with the registration, in its transaction and one statement.
            # A request with a key already taken fails here and rolls back all it wrote; one
            # arriving while the first is still open waits here on the key's unique index until
            # the first commits, then fails the same way. Both answer with the first's dispute.
            IdempotencyKey.objects.create(
                token=token, key=idempotency_key, payload_digest=digest, dispute=dispute
            )
        return Status(201, _detail(actor, dispute))
    except IntegrityError:
        earlier = IdempotencyKey.objects.filter(token=token, key=idempotency_key).first()
        if earlier is None:
            raise  # not the key: a fault of the registration itself
    if earlier.dispute_id is None:  # a claim written before keys came with their dispute
        raise Conflict(_("该幂等键正在使用中，请稍后重试"))
    if earlier.payload_digest != digest:
        raise IdempotencyMismatch(
            _("该幂等键已用于另一份不同的登记内容"),
            fields={"Idempotency-Key": [_("同一幂等键只能用于同一份登记内容")]},
        )
    response["Idempotent-Replayed"] = "true"
    return Status(200, _detail(actor, dispute_for(actor, earlier.dispute_id)))


@router.get(
    "/disputes",
    response={200: s.DisputePage, **_errors(422)},
    summary="Disputes in the token's jurisdiction, newest first",
    description="Filters as in the staff list. Pages by cursor: pass `next` back as `cursor`.",
)
def list_disputes(
    request: HttpRequest,
    status: s.StatusFilter | None = None,
    category: str | None = Query(None, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$"),
    region: s.RegionCode | None = None,
    holder: s.Id | None = None,
    warning: str | None = Query(None, pattern=r"^(overdue|1|2)$"),
    registered_from: s.Day | None = None,
    registered_to: s.Day | None = None,
    q: s.Text | None = TEXT_QUERY,
    cursor: str | None = Query(None, pattern=r"^[0-9]{1,18}$"),
    limit: int = Query(50, ge=1, le=100),
) -> Any:
    filters: dict[str, Any] = {
        "status": status,
        "region": region,
        "holder": holder,
        "warning": warning,
        "registered_from": registered_from,
        "registered_to": registered_to,
        "q": q,
    }
    if category:
        filters["category"] = Category.objects.filter(key=category).first()
        if filters["category"] is None:
            raise Invalid(_("填写有误，请按提示修改"), fields={"category": [_("纠纷类别不存在")]})
    if registered_from and registered_to and registered_from > registered_to:
        raise Invalid(
            _("填写有误，请按提示修改"),
            fields={"registered_to": [_("结束日期不能早于开始日期")]},
        )
    page = dispute_list(_actor(request), filters, after=int(cursor) if cursor else None, size=limit)
    return {
        "items": [_item(d) for d in page.rows],
        "next": str(page.next_after) if page.next_after else None,
    }


@router.get("/disputes/{ref}", response={200: s.DisputeOut, **_errors(404, 422)})
def read_dispute(request: HttpRequest, ref: str = Ref) -> Any:
    actor = _actor(request)
    return _detail(actor, _find(actor, ref))


@router.get(
    "/disputes/{ref}/events",
    response={200: list[s.EventOut], **_errors(404, 422)},
    summary="The history of a dispute, oldest first",
)
def dispute_events(request: HttpRequest, ref: str = Ref) -> Any:
    dispute = _find(_actor(request), ref)
    events = events_of(dispute).select_related("actor", "body").order_by("id")
    return [
        {
            "id": e.pk,
            "at": _local(e.at),
            "action": e.action,
            "action_label": event_label(e.action),
            "from_status": e.from_status,
            "to_status": e.to_status,
            "body": _body_ref(e.body),
            "actor": str(e.actor) if e.actor is not None else None,
            "reason": e.reason,
            "params": e.params or {},
            "public": e.public,
        }
        for e in events[:1000]
    ]


# --- moves -------------------------------------------------------------------------------------


def _move(request: HttpRequest, ref: str, action: Action, version: int, call: Any) -> Any:
    """Make a move as the token's actor. The services check visibility, version and the
    table; the token's body must also be the body that makes the move, with a role for it."""
    actor = _actor(request)
    move = TABLE[action]
    with transaction.atomic():
        dispute = _find(actor, ref)
        dispute = dispute_for(actor, dispute.pk, for_update=True)
        if (
            dispute.version == version
            and dispute.status in move.sources
            and not may_make(actor, dispute, move)
        ):
            raise Forbidden(_("您无权对该纠纷执行“%(action)s”") % {"action": move.label})
        moved = call(actor=actor, dispute_id=dispute.pk, version=version)
    return _detail(actor, moved)


MOVE_RESPONSES = {200: s.DisputeOut, **_errors(400, 403, 404, 409, 422)}


def _route(action: Action, summary: str) -> Any:
    return router.post(
        f"/disputes/{{ref}}/actions/{action}",
        response=MOVE_RESPONSES,
        summary=summary,
        operation_id=f"dispute_{action}",
    )


@_route(Action.ACCEPT, "Accept (受理)")
def accept(request: HttpRequest, payload: s.Versioned, ref: str = Ref) -> Any:
    return _move(request, ref, Action.ACCEPT, payload.version, services.dispute_accept)


@_route(Action.DECLINE, "Decline (不予受理), with a reason and the route suggested")
def decline(request: HttpRequest, payload: s.DeclineIn, ref: str = Ref) -> Any:
    def call(**common: Any) -> Any:
        return services.dispute_decline(**common, reason=payload.reason, route=payload.route)

    return _move(request, ref, Action.DECLINE, payload.version, call)


@_route(Action.SESSION, "Record a mediation session (调解记录)")
def session(request: HttpRequest, payload: s.SessionIn, ref: str = Ref) -> Any:
    def call(**common: Any) -> Any:
        return services.dispute_record_session(
            **common,
            session=services.SessionInput(
                held_on=payload.held_on,
                place=payload.place,
                mediators=payload.mediators,
                attendees=payload.attendees,
                record=payload.record,
                agreed=payload.agreed,
                seated=list(payload.seated),
            ),
        )

    return _move(request, ref, Action.SESSION, payload.version, call)


@_route(Action.TRANSFER, "Transfer up a level (移送), with reasons")
def transfer(request: HttpRequest, payload: s.NeedsReasonIn, ref: str = Ref) -> Any:
    def call(**common: Any) -> Any:
        return services.dispute_transfer(**common, reason=payload.reason)

    return _move(request, ref, Action.TRANSFER, payload.version, call)


@_route(Action.RECEIVE, "Receive a transfer (接收移送)")
def receive(request: HttpRequest, payload: s.Versioned, ref: str = Ref) -> Any:
    return _move(request, ref, Action.RECEIVE, payload.version, services.dispute_receive)


@_route(Action.RETURN, "Return a transfer (退回), with reasons")
def return_(request: HttpRequest, payload: s.NeedsReasonIn, ref: str = Ref) -> Any:
    def call(**common: Any) -> Any:
        return services.dispute_return(**common, reason=payload.reason)

    return _move(request, ref, Action.RETURN, payload.version, call)


@_route(Action.ASSIGN, "Assign to a department (交办) with days to report back")
def assign(request: HttpRequest, payload: s.AssignIn, ref: str = Ref) -> Any:
    department = (
        bodies_for(_actor(request))
        .filter(pk=payload.department, kind=BodyKind.DEPARTMENT, active=True)
        .first()
    )

    def call(**common: Any) -> Any:
        return services.dispute_assign(
            **common, department=department, days=payload.days, reason=payload.reason
        )

    return _move(request, ref, Action.ASSIGN, payload.version, call)


@_route(Action.REPORT, "Report back from the department (反馈)")
def report(request: HttpRequest, payload: s.NeedsReasonIn, ref: str = Ref) -> Any:
    def call(**common: Any) -> Any:
        return services.dispute_report(**common, reason=payload.reason)

    return _move(request, ref, Action.REPORT, payload.version, call)


@_route(Action.RESOLVE, "Resolve (办结): an agreement, or no agreement with the route advised")
def resolve(request: HttpRequest, payload: s.ResolveIn, ref: str = Ref) -> Any:
    agreement = payload.agreement

    def call(**common: Any) -> Any:
        return services.dispute_resolve(
            **common,
            outcome=payload.outcome,
            route=payload.route,
            reason=payload.reason,
            agreement=None
            if agreement is None
            else services.AgreementInput(
                facts=agreement.facts,
                terms=agreement.terms,
                performance=agreement.performance,
                signed_on=agreement.signed_on,
            ),
        )

    return _move(request, ref, Action.RESOLVE, payload.version, call)


@_route(Action.VISIT, "Return visit (回访) with the parties' satisfaction, 1–5")
def visit(request: HttpRequest, payload: s.VisitIn, ref: str = Ref) -> Any:
    def call(**common: Any) -> Any:
        return services.dispute_visit(
            **common, satisfaction=payload.satisfaction, held=payload.held, reason=payload.reason
        )

    return _move(request, ref, Action.VISIT, payload.version, call)


@_route(Action.CLOSE, "Close (结案)")
def close(request: HttpRequest, payload: s.Versioned, ref: str = Ref) -> Any:
    return _move(request, ref, Action.CLOSE, payload.version, services.dispute_close)


@_route(Action.REOPEN, "Reopen (重启), with reasons")
def reopen(request: HttpRequest, payload: s.NeedsReasonIn, ref: str = Ref) -> Any:
    def call(**common: Any) -> Any:
        return services.dispute_reopen(**common, reason=payload.reason)

    return _move(request, ref, Action.REOPEN, payload.version, call)


# --- reference data ----------------------------------------------------------------------------


@reference.get("/categories", response={200: list[s.CategoryOut], **_errors()})
def categories(request: HttpRequest) -> Any:
    return [
        {"key": c.key, "name": c.name, "active": c.active}
        for c in Category.objects.order_by("sort")
    ]


@reference.get(
    "/regions",
    response={200: list[s.RegionOut], **_errors(422)},
    summary="Children of a region within the jurisdiction; without `parent`, its root",
)
def regions(request: HttpRequest, parent: s.RegionCode | None = None) -> Any:
    actor, token = _actor(request), _token(request)
    if parent is None:
        rows = [token.body.region]
    else:
        rows = list(
            scope_of(actor)
            .filter(Region.objects.filter(parent_id=parent), "code")
            .order_by("code")[:5000]
        )
    return [{"code": r.code, "name": r.name, "level": r.level, "parent": r.parent_id} for r in rows]


@reference.get(
    "/bodies",
    response={200: s.BodyPage, **_errors(422)},
    summary="Handling bodies within the jurisdiction, by id, in pages",
)
def bodies(
    request: HttpRequest,
    kind: str | None = Query(None, pattern="^(" + "|".join(BodyKind.values) + ")$"),
    cursor: str | None = Query(None, pattern=r"^[0-9]{1,18}$"),
    limit: int = Query(100, ge=1, le=500),
) -> Any:
    qs = bodies_for(_actor(request)).order_by("id")
    if kind:
        qs = qs.filter(kind=kind)
    if cursor:
        qs = qs.filter(id__gt=int(cursor))
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [
            {
                "id": b.pk,
                "name": b.name,
                "kind": b.kind,
                "kind_label": str(b.get_kind_display()),
                "region": b.region_code,
                "active": b.active,
            }
            for b in rows
        ],
        "next": str(rows[-1].pk) if more else None,
    }


api.add_router("", router)
api.add_router("", reference)
api.add_router("", mediators_router)
