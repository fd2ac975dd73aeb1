"""Every write of supervision, in orders.py, ownership.py and campaigns.py (named here for every
caller): orders (督办) and their answers, urging (催办), leader ownership
(领导包案) with extensions, progress notes and sign-off, and clean-up campaigns (集中清理).

Each write checks its input first, then locks the dispute row (through dispute_for, the same
lock and order as jiefen.disputes.services, so no two writers wait on each other crosswise),
checks the actor's seat (access.py), writes its rows, appends one event to the dispute's
history with jiefen.disputes.services.event_append, and notifies. Any refusal raises a
jiefen.disputes.lifecycle.DisputeError — Invalid, Forbidden, NotFound, Conflict or
IllegalMove, with a message for people and `fields` for forms — and writes nothing.

The meetings app records its decisions through ownership_assign and order_issue, inside its
own transaction, so a decision and its effect commit together.
"""

from jiefen.supervision.campaigns import (
    OPEN_DAYS_MAX,
    TRANSFERS_MAX,
    campaign_close,
    campaign_create,
    campaign_item_assign,
)
from jiefen.supervision.orders import (
    dispute_urge,
    order_answer,
    order_issue,
)
from jiefen.supervision.ownership import (
    ownership_assign,
    ownership_extend_approve,
    ownership_extend_request,
    ownership_note,
    ownership_sign_off,
)
from jiefen.supervision.writing import (
    ORDER_DAYS_MAX,
    RESOLVED_STATUSES,
    TARGET_DAYS_MAX,
    TEXT_MAX,
    URGE_MAX,
)

__all__ = [
    "OPEN_DAYS_MAX",
    "ORDER_DAYS_MAX",
    "RESOLVED_STATUSES",
    "TARGET_DAYS_MAX",
    "TEXT_MAX",
    "TRANSFERS_MAX",
    "URGE_MAX",
    "campaign_close",
    "campaign_create",
    "campaign_item_assign",
    "dispute_urge",
    "order_answer",
    "order_issue",
    "ownership_assign",
    "ownership_extend_approve",
    "ownership_extend_request",
    "ownership_note",
    "ownership_sign_off",
]
