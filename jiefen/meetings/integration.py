"""The seams to apps built alongside this one: supervision (leader ownership, supervision
orders, notifications) and the metrics' early warnings. Each is imported lazily, so that
meetings work — with those parts switched off — while they do not exist yet, and pick them
up as soon as they do. Nothing else in this app imports them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from datetime import date
from types import ModuleType
from typing import Any

from django.db import transaction


def supervision_services() -> ModuleType | None:
    """jiefen.supervision.services if it offers what decisions need, else None."""
    try:
        from jiefen.supervision import services
    except ImportError:
        return None
    if not (hasattr(services, "order_issue") and hasattr(services, "ownership_assign")):
        return None
    return services


def refusals() -> tuple[type[BaseException], ...]:
    """The exceptions by which a service refuses, having written nothing: the disputes'
    errors (which supervision is expected to reuse) and Django's validation and permission
    errors."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from jiefen.lib.errors import DisputeError

    return (DisputeError, ValidationError, PermissionDenied)


def refusal_message(error: BaseException) -> str:
    from django.core.exceptions import ValidationError

    if isinstance(error, ValidationError):
        return "；".join(str(m) for m in error.messages)
    return str(getattr(error, "message", None) or error)


def refusal_fields(error: BaseException) -> dict[str, list[str]]:
    from django.core.exceptions import ValidationError

    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return {k: [str(m) for m in v] for k, v in error.message_dict.items()}
    return dict(getattr(error, "fields", None) or {})


def disputes_with_leader(ids: Iterable[int]) -> set[int] | None:
    """Of `ids`, the disputes under an active leader ownership (领导包案) now; None while
    jiefen.supervision does not exist, so that the agenda says "not known" rather than
    "none"."""
    try:
        from jiefen.supervision.models import LeaderOwnership, OwnershipStatus
    except ImportError:
        return None
    return set(
        LeaderOwnership.objects.filter(
            dispute_id__in=list(ids), status=OwnershipStatus.ACTIVE
        ).values_list("dispute_id", flat=True)
    )


SCREENING_MISSING = "screening_missing"


def notify_body(*, body: Any, kind: str, key: str, params: dict[str, Any], at: Any) -> bool:
    """Notify a body's clerks and heads through jiefen.supervision's notifications, in the
    caller's transaction, once per recipient, kind and key. Not sent yet: the caller asks for
    sending once at the end (deliver_soon), as the sweep does. False when supervision is not
    there."""
    try:
        from jiefen.supervision.notifications import notify
    except ImportError:
        return False
    from jiefen.org.models import Membership, Role

    recipients = Membership.objects.filter(
        body=body, role__in=[Role.CLERK, Role.HEAD], user__is_active=True
    ).values_list("user_id", flat=True)
    notify(recipients=list(recipients), kind=kind, key=key, params=params, at=at, deliver=False)
    return True


def deliver_soon() -> None:
    """Ask supervision to send unsent notifications (after the current transaction commits)."""
    try:
        from jiefen.supervision.notifications import deliver_soon as deliver
    except ImportError:
        return
    transaction.on_commit(deliver)


def register_notification_kinds() -> None:
    """Tell supervision's notifications how to word the kinds this app sends."""
    try:
        from jiefen.supervision.notifications import register
    except ImportError:
        return
    from django.utils.translation import gettext as _
    from django.utils.translation import gettext_lazy

    def screening_missing(params: Any) -> str:
        return (
            _(
                "%(body)s %(start)s 至 %(end)s 的排查情况尚未报送，"
                "请尽快报送（未发现纠纷的报送零报告）"
            )
            % params
        )

    register(SCREENING_MISSING, gettext_lazy("排查未报送"), screening_missing)


def early_warnings(*, region: Any, start: date, end: date, today: date) -> list[dict] | None:
    """Early-warning items (四先四早) for the agenda, from
    jiefen.metrics.early_warning.early_warnings(region=, start=, end=, today=) — a list of
    JSON-ready dicts with at least "message" (words, already in the reader's language) — or
    None while that module does not exist."""
    try:
        early_warning = importlib.import_module("jiefen.metrics.early_warning")
    except ImportError:
        return None
    reader = getattr(early_warning, "early_warnings", None)
    if reader is None:
        return None
    items = []
    for item in reader(region=region, start=start, end=end, today=today) or []:
        row = item if isinstance(item, dict) else getattr(item, "__dict__", {})
        # The kind and parameters too, so that the page says it in the reader's language.
        items.append({k: v for k, v in row.items() if _json_ready(v) or k == "params"})
    return items


def warning_words(item: dict[str, Any]) -> str:
    """An agenda's warning in the reader's language (through
    jiefen.metrics.early_warning.warning_message), or the words it was stored with."""
    try:
        early_warning = importlib.import_module("jiefen.metrics.early_warning")
    except ImportError:
        return str(item.get("message", ""))
    words = getattr(early_warning, "warning_message", None)
    return str(words(item)) if words is not None else str(item.get("message", ""))


def _json_ready(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
