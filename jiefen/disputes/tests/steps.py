"""Doing things to a dispute in tests: every action with arguments a real user would give, a
dispute driven to any status through the services, and snapshots to prove nothing changed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.forms.models import model_to_dict
from django.utils import timezone

from jiefen.disputes import services
from jiefen.disputes.lifecycle import Action
from jiefen.disputes.models import (
    Agreement,
    Dispute,
    Event,
    LevelStay,
    Outcome,
    Reveal,
    Route,
    Session,
    Status,
)

CURRENT = object()  # "the version the actor just saw"

REASONS = {
    Action.DECLINE: "不属于人民调解受理范围，已告知当事人向法院起诉",
    Action.TRANSFER: "涉及邻村土地，本级无法协调",
    Action.RETURN: "属村级可调处事项，退回继续调解",
    Action.REPORT: "已实地勘界，提出处理意见",
    Action.REOPEN: "当事人反映协议未履行",
    Action.REVIEW_REOPEN: "复核认为属于人民调解受理范围，由镇里受理",
}


def perform(
    action: str,
    *,
    actor: Any,
    dispute: Dispute,
    at: datetime,
    version: Any = CURRENT,
    department: Any = None,
    reason: str | None = None,
) -> Dispute:
    """Make `action` through its service, with the arguments the web form would send."""
    common: dict[str, Any] = {
        "actor": actor,
        "dispute_id": dispute.pk,
        "version": dispute.version if version is CURRENT else version,
        "at": at,
    }
    today = timezone.localdate(at)
    why = REASONS.get(Action(action), "") if reason is None else reason
    match Action(action):
        case Action.ACCEPT:
            return services.dispute_accept(**common)
        case Action.DECLINE:
            return services.dispute_decline(**common, reason=why, route=Route.LITIGATION)
        case Action.SESSION:
            return services.dispute_record_session(
                **common,
                session=services.SessionInput(
                    held_on=today,
                    place="村便民服务中心调解室",
                    mediators="陈小梅",
                    attendees="张三、李四",
                    record="双方陈述了院墙位置的依据，同意现场勘界。",
                ),
            )
        case Action.TRANSFER:
            return services.dispute_transfer(**common, reason=why)
        case Action.RECEIVE:
            return services.dispute_receive(**common)
        case Action.RETURN:
            return services.dispute_return(**common, reason=why)
        case Action.ASSIGN:
            return services.dispute_assign(
                **common, department=department, days=5, reason=why or "请现场勘界"
            )
        case Action.REPORT:
            return services.dispute_report(**common, reason=why)
        case Action.RESOLVE:
            return services.dispute_resolve(
                **common,
                outcome=Outcome.AGREEMENT,
                agreement=services.AgreementInput(
                    facts="两户院墙位置争议",
                    terms="按 1998 年宅基地证界址重砌院墙，费用各半",
                    performance="2026 年 4 月底前完成",
                    signed_on=today,
                ),
            )
        case Action.VISIT:
            return services.dispute_visit(**common, satisfaction=5, held=True)
        case Action.CLOSE:
            return services.dispute_close(**common)
        case Action.REOPEN:
            return services.dispute_reopen(**common, reason=why)
        case Action.REVIEW_REOPEN:
            return services.dispute_review_reopen(**common, reason=why)
    raise AssertionError(f"no service for {action}")


# The moves that bring a dispute registered at a town centre to each status; the town head
# holds every role they need (the transfer stops before anyone receives it).
PATHS: dict[str, list[str]] = {
    Status.REGISTERED: [],
    Status.ACCEPTED: [Action.ACCEPT],
    Status.MEDIATING: [Action.ACCEPT, Action.SESSION],
    Status.TRANSFERRING: [Action.ACCEPT, Action.TRANSFER],
    Status.ASSIGNED: [Action.ACCEPT, Action.ASSIGN],
    Status.RESOLVED: [Action.ACCEPT, Action.SESSION, Action.RESOLVE],
    Status.VISITED: [Action.ACCEPT, Action.RESOLVE, Action.VISIT],
    Status.CLOSED: [Action.ACCEPT, Action.RESOLVE, Action.VISIT, Action.CLOSE],
    Status.DECLINED: [Action.DECLINE],
}


def drive(
    dispute: Dispute, path: list[str], *, actor: Any, start: datetime, department: Any = None
) -> Dispute:
    """Apply `path` one hour apart from `start`; returns the dispute as the last service left it."""
    for i, action in enumerate(path):
        dispute = perform(
            action,
            actor=actor,
            dispute=dispute,
            department=department,
            at=start + timedelta(hours=i),
        )
    return dispute


def snapshot(dispute_id: int) -> dict[str, Any]:
    """Everything a refused move must leave exactly as it was."""
    return {
        "dispute": model_to_dict(Dispute.objects.get(pk=dispute_id)),
        "events": list(Event.objects.filter(dispute_id=dispute_id).order_by("id").values()),
        "stays": list(LevelStay.objects.filter(dispute_id=dispute_id).order_by("id").values()),
        "sessions": list(Session.objects.filter(dispute_id=dispute_id).values_list("id")),
        "agreements": list(Agreement.objects.filter(dispute_id=dispute_id).values_list("id")),
        "reveals": list(Reveal.objects.filter(dispute_id=dispute_id).values_list("id")),
    }


def open_stays(dispute: Dispute) -> list[LevelStay]:
    return list(LevelStay.objects.filter(dispute=dispute, left_at__isnull=True))
