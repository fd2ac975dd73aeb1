"""Writes of the mediator register: checking and saving a mediator, a body assigning mediators
to a dispute (an event through disputes.services.event_append), and the end of assignments when
the dispute leaves mediation (an event follower)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.disputes.access import dispute_for, roles_by_body
from jiefen.disputes.models import OPEN_STATUSES, Dispute, Event
from jiefen.disputes.services import event_append, fact_absent
from jiefen.lib.errors import CORRECT_THE_FORM, Errors, Forbidden, Invalid
from jiefen.lib.sealed import normalise
from jiefen.mediators.events import MEDIATOR_ASSIGNED
from jiefen.mediators.models import WEEKDAYS, Assignment, Mediator
from jiefen.org.models import Body, Role

PHONE_DIGITS = 20


def mediator_problems(mediator: Mediator, bodies: Iterable[Body] | None = None) -> Errors:
    errors = Errors(CORRECT_THE_FORM)
    mediator.name = errors.text("name", mediator.name, 50)
    if not mediator.name:
        errors.add("name", _("请填写姓名"))
    mediator.languages = errors.text("languages", mediator.languages, 100)
    days = "".join(sorted(set((mediator.weekdays or "").replace(" ", ""))))
    if not days or any(d not in WEEKDAYS for d in days):
        errors.add("weekdays", _("可调解日请用 1 至 7 的数字表示（1 为周一），如 12345"))
    mediator.weekdays = days
    if mediator.phone:
        mediator.phone = normalise(mediator.phone)  # type: ignore[assignment]
        if not mediator.phone.isdigit() or len(mediator.phone) > PHONE_DIGITS:
            errors.add("phone", _("联系电话只能包含数字"))
    if mediator.id_number:
        mediator.id_number = normalise(mediator.id_number)  # type: ignore[assignment]
        if len(mediator.id_number) != 18 or not mediator.id_number[:17].isdigit():
            errors.add("id_number", _("居民身份证号码应为 18 位"))
    if mediator.appointed_on is None:
        errors.add("appointed_on", _("请填写聘任日期"))
    elif mediator.term_ends is not None and mediator.term_ends <= mediator.appointed_on:
        errors.add("term_ends", _("聘期届满日期必须晚于聘任日期"))
    if (
        bodies is not None
        and mediator.home_body_id is not None
        and mediator.home_body_id not in {b.pk for b in bodies}
    ):
        errors.add("bodies", _("所在调解组织必须包括聘任单位"))
    return errors


def mediator_save(
    *, mediator: Mediator, bodies: Iterable[Body] | None = None, categories: Iterable[Any] = ()
) -> Mediator:
    """Check and save a mediator with the bodies served and the matters taken; every problem
    at once, nothing saved half-way."""
    body_list = list(bodies) if bodies is not None else None
    mediator_problems(mediator, body_list).raise_if_any()
    with transaction.atomic():
        mediator.save()
        if body_list is not None:
            mediator.bodies.set(body_list)
        if categories:
            mediator.categories.set(list(categories))
    return mediator


def _may_assign(actor: Any, dispute: Dispute) -> bool:
    if actor.is_superuser:
        return True
    roles = roles_by_body(actor).get(dispute.holder_id, set())
    return bool(roles & {Role.HEAD, Role.CLERK, Role.MEDIATOR})


def mediators_assign(
    *,
    actor: Any,
    dispute_pk: Any,
    mediator_pks: Iterable[Any],
    reason: str = "",
    at: datetime | None = None,
) -> list[Assignment]:
    """The holding body puts mediators of its own on a dispute: one event `mediator_assigned`,
    an assignment row per mediator, each mediator's open caseload counted up."""
    now = at or timezone.now()
    with transaction.atomic():
        dispute = dispute_for(actor, dispute_pk, for_update=True)
        if dispute.status not in OPEN_STATUSES:
            raise Invalid(_("纠纷已办结，不能再指派调解员"))
        if not _may_assign(actor, dispute):
            raise Forbidden(_("只有纠纷所在调处主体的工作人员可以指派调解员"))
        try:
            pks = sorted({int(pk) for pk in mediator_pks})
        except (TypeError, ValueError):
            pks = []
        if not pks:
            raise Invalid(_("请选择调解员"), fields={"mediators": [_("请选择调解员")]})
        found = list(
            Mediator.objects.select_for_update()
            .filter(pk__in=pks, active=True, bodies=dispute.holder_id)
            .order_by("pk")
        )
        if len(found) != len(pks):
            message = _("所选调解员不在本调处主体的在聘调解员名册中")
            raise Invalid(message, fields={"mediators": [message]})
        already = set(
            Assignment.objects.filter(dispute=dispute, ended_at__isnull=True).values_list(
                "mediator_id", flat=True
            )
        )
        new = [m for m in found if m.pk not in already]
        if not new:
            message = _("所选调解员已在办理本纠纷")
            raise Invalid(message, fields={"mediators": [message]})
        rows = [
            Assignment.objects.create(
                dispute=dispute,
                mediator=m,
                body_id=dispute.holder_id,
                assigned_at=now,
                assigned_by=actor,
            )
            for m in new
        ]
        # The caseload is a count kept from the assignment rows, which are recorded.
        caseload = Mediator.objects.filter(pk__in=[m.pk for m in new])
        caseload.update(open_cases=F("open_cases") + 1)  # audit-exempt: a kept count
        event_append(
            dispute=dispute,
            action=MEDIATOR_ASSIGNED,
            actor=actor,
            at=now,
            from_status=dispute.status,
            to_status=dispute.status,
            body_id=dispute.holder_id,
            reason=reason.strip()[:500],
            params={"mediators": [m.pk for m in new], "names": [m.name for m in new]},
        )
    return rows


def assignments_end(*, dispute: Dispute, at: datetime, why: str, mediator_pks: Any = None) -> int:
    """End the open assignments of a dispute (all, or those of `mediator_pks`) and count each
    mediator's caseload down."""
    open_rows = Assignment.objects.filter(dispute=dispute, ended_at__isnull=True)
    if mediator_pks is not None:
        open_rows = open_rows.filter(mediator_id__in=list(mediator_pks))
    mediators = list(open_rows.values_list("mediator_id", flat=True))
    if not mediators:
        return 0
    # Recorded as the dispute's event that ended them; the caseload is a kept count.
    open_rows.update(ended_at=at, ended_why=why)  # audit-exempt: the event records it
    caseload = Mediator.objects.filter(pk__in=mediators, open_cases__gt=0)
    caseload.update(open_cases=F("open_cases") - 1)  # audit-exempt: a kept count
    return len(mediators)


ASSIGNED_FACT = "fact_mediators_assigned"


def assignments_fact() -> Any:
    """Whether the dispute has open assignments, read with its row by a move (LOCK_FACTS)."""
    return Exists(Assignment.objects.filter(dispute_id=OuterRef("pk"), ended_at__isnull=True))


def assignments_follow(event: Event, dispute: Dispute) -> None:
    """An event follower: when a dispute leaves the open states (resolved, declined) or another
    body takes it over, the mediators' assignments end with it."""
    if fact_absent(dispute, ASSIGNED_FACT):
        return
    if event.to_status and event.to_status not in OPEN_STATUSES:
        assignments_end(dispute=dispute, at=event.at, why=event.to_status)
    elif event.action in {"receive", "return"}:
        assignments_end(dispute=dispute, at=event.at, why=event.action)
