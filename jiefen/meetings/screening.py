"""Screening returns (排查): every village body reports each period what it found — each find
registered as a dispute with source "screening" through the dispute services — or that it
found nothing (零报告). Towns see who has not reported; the sweep reminds them.

The period is a half month by default; settings.JIEFEN_SCREENING_PERIOD ("half" or "month")
changes it for the whole installation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.disputes.access import roles_by_body
from jiefen.disputes.models import Category, Channel, Risk, Side
from jiefen.disputes.services import DisputeInput, PartyInput, dispute_register
from jiefen.lib.errors import DisputeError, Forbidden, Invalid
from jiefen.meetings import integration
from jiefen.meetings.models import ScreeningFinding, ScreeningReminder, ScreeningReturn
from jiefen.metrics.periods import Period
from jiefen.ops.batches import each_in_batches, write_batch
from jiefen.org.models import Body, BodyKind, Role
from jiefen.regions.models import Region

PERIOD_KINDS = ("half", "month")
REPORTING_ROLES = frozenset({Role.CLERK, Role.MEDIATOR, Role.HEAD})
MAX_FINDINGS = 20
# Villages reminded per transaction of the sweep (a few milliseconds each).
REMIND_BATCH = 20


def period_kind() -> str:
    kind = getattr(settings, "JIEFEN_SCREENING_PERIOD", "half")
    return kind if kind in PERIOD_KINDS else "half"


def period_of(day: date) -> Period:
    return Period.containing(period_kind(), day)


def may_report(actor: Any, body: Body) -> bool:
    if not getattr(actor, "is_active", False):
        return False
    return actor.is_superuser or bool(roles_by_body(actor).get(body.pk, set()) & REPORTING_ROLES)


def reporting_bodies(actor: Any) -> QuerySet[Body]:
    """The village bodies the actor reports for."""
    qs = Body.objects.filter(kind=BodyKind.VILLAGE_GROUP, active=True).select_related("region")
    if actor.is_superuser:
        return qs.none()
    return qs.filter(
        memberships__user=actor, memberships__role__in=list(REPORTING_ROLES)
    ).distinct()


@dataclass
class FindingInput:
    category: Category | None
    title: str
    description: str
    applicant: str
    respondent: str = ""
    phone: str = ""
    people_involved: int | None = 2
    risk: str = Risk.ORDINARY
    region: Region | None = None  # default: the village itself


@dataclass
class ReturnInput:
    period_start: date | None
    nil: bool
    findings: list[FindingInput] = field(default_factory=list)
    note: str = ""


def _already(existing: ScreeningReturn, period: Period) -> Invalid:
    message = _("%(body)s %(period)s 已于 %(when)s 报送，不能重复报送") % {
        "body": existing.body.name,
        "period": period.label(),
        "when": f"{timezone.localtime(existing.submitted_at):%Y-%m-%d %H:%M}",
    }
    return Invalid(message, fields={"period": [message]})


def screening_return_submit(
    *, actor: Any, body: Body, data: ReturnInput, at: datetime | None = None
) -> ScreeningReturn:
    """Submit `body`'s return for the period starting `data.period_start`: a nil return, or
    the disputes found, each registered with source "screening". All or nothing: a second
    return for the same period, or one bad finding, writes nothing."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    if body.kind != BodyKind.VILLAGE_GROUP:
        raise Invalid(_("排查报送由村（社区）调处工作组报送"))
    if not may_report(actor, body):
        raise Forbidden(_("您不是%(body)s的工作人员，不能报送") % {"body": body.name})
    if data.period_start is None:
        raise Invalid(_("请选择报送期"), fields={"period": [_("请选择报送期")]})
    period = period_of(data.period_start)
    if period.start != data.period_start:
        raise Invalid(_("报送期无效"), fields={"period": [_("报送期无效")]})
    if period.start > today:
        raise Invalid(
            _("%(period)s 尚未开始，不能报送") % {"period": period.label()},
            fields={"period": [_("该期尚未开始")]},
        )
    findings = list(data.findings)
    if data.nil and findings:
        raise Invalid(
            _("零报告不能同时填写排查发现的纠纷"), fields={"nil": [_("零报告不能填写纠纷")]}
        )
    if not data.nil and not findings:
        raise Invalid(
            _("请填写排查发现的纠纷，或报送零报告"),
            fields={"nil": [_("请填写排查发现的纠纷，或报送零报告")]},
        )
    if len(findings) > MAX_FINDINGS:
        raise Invalid(_("一次最多报送 %(n)d 件") % {"n": MAX_FINDINGS})
    note = (data.note or "").strip()
    if len(note) > 2000:
        raise Invalid(_("说明过长"), fields={"note": [_("不能超过 2000 个字")]})
    existing = (
        ScreeningReturn.objects.select_related("body")
        .filter(body=body, period_kind=period.kind, period_start=period.start)
        .first()
    )
    if existing is not None:
        raise _already(existing, period)
    try:
        with transaction.atomic():
            screening_return = ScreeningReturn.objects.create(
                body=body,
                region_code=body.region_code,
                period_kind=period.kind,
                period_start=period.start,
                period_end=period.end,
                nil=data.nil,
                note=note,
                submitted_by=actor,
                submitted_at=now,
            )
            for i, finding in enumerate(findings):
                dispute = _register(actor, body, finding, i, now)
                ScreeningFinding.objects.create(screening_return=screening_return, dispute=dispute)
    except IntegrityError:
        # Another clerk of the same village submitted in the meantime.
        existing = ScreeningReturn.objects.select_related("body").get(
            body=body, period_kind=period.kind, period_start=period.start
        )
        raise _already(existing, period) from None
    return screening_return


def _register(actor: Any, body: Body, finding: FindingInput, i: int, now: datetime) -> Any:
    parties = [PartyInput(side=Side.APPLICANT, name=finding.applicant, phone=finding.phone)]
    if finding.respondent.strip():
        parties.append(PartyInput(side=Side.RESPONDENT, name=finding.respondent))
    try:
        return dispute_register(
            actor=actor,
            data=DisputeInput(
                body=body,
                category=finding.category,
                channel=Channel.SCREENING,
                region=finding.region or body.region,
                title=finding.title,
                description=finding.description,
                people_involved=finding.people_involved,
                risk=finding.risk,
                parties=parties,
            ),
            at=now,
        )
    except DisputeError as error:
        renamed = {
            "parties.0.name": "applicant",
            "parties.0.phone": "phone",
            "parties.1.name": "respondent",
        }
        fields = {
            f"findings.{i}.{renamed.get(name, name)}": problems
            for name, problems in error.fields.items()
        }
        raise type(error)(error.message, fields=fields) from error


# --- reads ------------------------------------------------------------------------------------


def returns_of(body: Body, limit: int = 12) -> list[ScreeningReturn]:
    return list(
        ScreeningReturn.objects.filter(body=body)
        .annotate(found=Count("findings"))
        .order_by("-period_start")[:limit]
    )


def open_periods(body: Body, today: date, back: int = 3) -> list[Period]:
    """The current period and the `back` before it that `body` has not returned yet."""
    periods = [period_of(today)]
    for _i in range(back):
        periods.append(periods[-1].previous())
    done = set(
        ScreeningReturn.objects.filter(
            body=body, period_kind=periods[0].kind, period_start__in=[p.start for p in periods]
        ).values_list("period_start", flat=True)
    )
    return [p for p in periods if p.start not in done]


def village_status(region: Region, period: Period) -> QuerySet[Body]:
    """Every active village body in `region`'s subtree with its return for `period`, in one
    query: `returned_at` (None: not reported), `nil`, `found` (disputes reported) and
    `reminded`."""
    returns = ScreeningReturn.objects.filter(
        body=OuterRef("pk"), period_kind=period.kind, period_start=period.start
    )
    found = (
        ScreeningFinding.objects.filter(
            screening_return__body=OuterRef("pk"),
            screening_return__period_kind=period.kind,
            screening_return__period_start=period.start,
        )
        .order_by()
        .values("screening_return__body")
        .annotate(n=Count("id"))
        .values("n")
    )
    reminded = ScreeningReminder.objects.filter(
        body=OuterRef("pk"), period_kind=period.kind, period_start=period.start
    )
    return (
        Body.objects.filter(
            kind=BodyKind.VILLAGE_GROUP, active=True, region_code__range=region.span
        )
        .select_related("region")
        .annotate(
            returned_at=Subquery(returns.values("submitted_at")[:1]),
            nil=Subquery(returns.values("nil")[:1]),
            found=Subquery(found[:1]),
            reminded=Exists(reminded),
        )
        .order_by("region_code")
    )


# --- the sweep's reminder ---------------------------------------------------------------------


def screening_reminders(*, today: date, at: datetime | None = None) -> int:
    """Remind every active village body that has not returned the last period that ended
    before `today`: a ScreeningReminder row (what the town's view shows as reminded) and an
    in-app notification to the village's clerks and heads through jiefen.supervision, in short
    transactions of REMIND_BATCH villages. Idempotent and safe on several workers at once: the
    row is unique per body and period, and the notification is written only by the run that
    inserted it.
    Returns how many villages this run reminded."""
    now = at or timezone.now()
    period = period_of(today).previous()
    missing = (
        Body.objects.filter(kind=BodyKind.VILLAGE_GROUP, active=True)
        .exclude(
            Exists(
                ScreeningReturn.objects.filter(
                    body=OuterRef("pk"), period_kind=period.kind, period_start=period.start
                )
            )
        )
        .exclude(
            Exists(
                ScreeningReminder.objects.filter(
                    body=OuterRef("pk"), period_kind=period.kind, period_start=period.start
                )
            )
        )
        .order_by("pk")
    )
    created = 0
    # Read first (no lock), then written REMIND_BATCH villages per short transaction, each
    # village in a savepoint of its own: a reminder another worker just wrote is skipped.
    for batch in each_in_batches(list(missing), REMIND_BATCH):
        with write_batch():
            for body in batch:
                try:
                    with transaction.atomic():
                        ScreeningReminder.objects.create(
                            body=body,
                            region_code=body.region_code,
                            period_kind=period.kind,
                            period_start=period.start,
                            period_end=period.end,
                            created_at=now,
                        )
                        integration.notify_body(
                            body=body,
                            kind=integration.SCREENING_MISSING,
                            key=f"{body.pk}:{period.kind}:{period.start.isoformat()}",
                            params={
                                "body": body.name,
                                "start": period.start.isoformat(),
                                "end": period.end.isoformat(),
                            },
                            at=now,
                        )
                except IntegrityError:
                    continue  # another worker reminded this body just now
                created += 1
    if created:
        integration.deliver_soon()
    return created


def reminders_for(body: Body, limit: int = 6) -> list[ScreeningReminder]:
    """Reminders for periods the body has still not returned."""
    returned = ScreeningReturn.objects.filter(
        body=body, period_kind=OuterRef("period_kind"), period_start=OuterRef("period_start")
    )
    return list(
        ScreeningReminder.objects.filter(body=body)
        .exclude(Exists(returned))
        .order_by("-period_start")[:limit]
    )
