"""What every write of supervision shares: its limits, the text check, the dispute locked for
the actor, and the event it appends to the dispute's history without changing its state."""

from __future__ import annotations

from typing import Any

from jiefen.disputes.access import dispute_for
from jiefen.disputes.models import OPEN_STATUSES, Dispute, Status
from jiefen.lib.errors import IllegalMove, text_valid
from jiefen.org.models import Body

ORDER_DAYS_MAX = 60
TEXT_MAX = 2000
URGE_MAX = 200
TARGET_DAYS_MAX = 366
RESOLVED_STATUSES = (Status.RESOLVED, Status.VISITED, Status.CLOSED)


# ---------------------------------------------------------------------------------------------
# Shared helpers


def _text(value: Any, *, field: str, limit: int, empty: str, required: bool = True) -> str:
    return text_valid(value, field=field, limit=limit, required=required, empty=empty)


def _locked(actor: Any, dispute_id: Any) -> Dispute:
    """The dispute, if the actor may see it, its row locked for this transaction."""
    dispute = dispute_for(actor, dispute_id, for_update=True)
    dispute.holder = Body.objects.select_related("region").get(pk=dispute.holder_id)
    return dispute


def _is_super(actor: Any) -> bool:
    return bool(getattr(actor, "is_superuser", False) and actor.is_active)


def _user(value: Any) -> Any:
    from jiefen.accounts.models import User

    if value is None or value == "":
        return None
    if isinstance(value, User):
        return value
    try:
        return User.objects.get(pk=int(value))
    except (User.DoesNotExist, TypeError, ValueError):
        return None


def _name(user: Any) -> str:
    return str(user) if user is not None else ""


def _body_name(body_id: int | None) -> str:
    if body_id is None:
        return ""
    return Body.objects.filter(pk=body_id).values_list("name", flat=True).first() or ""


def _check_open(dispute: Dispute, message: str) -> None:
    if dispute.status not in OPEN_STATUSES:
        raise IllegalMove(message % {"status": dispute.get_status_display()})
