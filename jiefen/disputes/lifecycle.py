"""The one table of states and actions.

Every entry point (web form, API, command, import) goes through the services, which ask this
table whether a move is legal and who may make it; the UI asks the same table which buttons to
show. Nothing else decides.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiefen.disputes.models import Status

# The error family lives in jiefen.lib.errors; named here too for the imports that predate it.
from jiefen.lib.errors import (  # noqa: F401
    Conflict,
    DisputeError,
    Forbidden,
    IllegalMove,
    Invalid,
    NotFound,
)
from jiefen.lib.registry import Slot
from jiefen.org.models import Role


class Who(StrEnum):
    HOLDER = "holder"  # a member of the body holding the dispute
    RECEIVER = "receiver"  # a member of the body a transfer is waiting at
    DEPARTMENT = "department"  # a member of the department it was assigned to
    ABOVE = "above"  # a member of the body one level above the holder (access.body_above)


class Action(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    SESSION = "session"
    TRANSFER = "transfer"
    RECEIVE = "receive"
    RETURN = "return"
    ASSIGN = "assign"
    REPORT = "report"
    RESOLVE = "resolve"
    VISIT = "visit"
    CLOSE = "close"
    REOPEN = "reopen"
    # The level above reviews a decline at a party's request and takes the dispute on (复核).
    REVIEW_REOPEN = "review_reopen"
    REGISTER = "register"  # only as an event: the first one


@dataclass(frozen=True)
class Move:
    action: Action
    label: Promise
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    who: Who
    needs_reason: bool = False


_STAFF = frozenset({Role.CLERK, Role.MEDIATOR, Role.HEAD})
_OPEN_WORK = frozenset({Status.ACCEPTED, Status.MEDIATING})

TABLE: dict[Action, Move] = {
    m.action: m
    for m in [
        Move(
            Action.ACCEPT,
            _("受理"),
            frozenset({Status.REGISTERED}),
            Status.ACCEPTED,
            _STAFF,
            Who.HOLDER,
        ),
        Move(
            Action.DECLINE,
            _("不予受理"),
            frozenset({Status.REGISTERED}),
            Status.DECLINED,
            frozenset({Role.CLERK, Role.HEAD}),
            Who.HOLDER,
            needs_reason=True,
        ),
        Move(Action.SESSION, _("记录调解"), _OPEN_WORK, Status.MEDIATING, _STAFF, Who.HOLDER),
        Move(
            Action.TRANSFER,
            _("移送上级"),
            frozenset({Status.REGISTERED}) | _OPEN_WORK,
            Status.TRANSFERRING,
            _STAFF,
            Who.HOLDER,
            needs_reason=True,
        ),
        Move(
            Action.RECEIVE,
            _("接收移送"),
            frozenset({Status.TRANSFERRING}),
            Status.ACCEPTED,
            _STAFF,
            Who.RECEIVER,
        ),
        Move(
            Action.RETURN,
            _("退回"),
            frozenset({Status.TRANSFERRING}),
            Status.ACCEPTED,
            frozenset({Role.CLERK, Role.HEAD}),
            Who.RECEIVER,
            needs_reason=True,
        ),
        Move(
            Action.ASSIGN,
            _("交办部门"),
            _OPEN_WORK,
            Status.ASSIGNED,
            frozenset({Role.HEAD}),
            Who.HOLDER,
        ),
        Move(
            Action.REPORT,
            _("反馈办理结果"),
            frozenset({Status.ASSIGNED}),
            Status.MEDIATING,
            _STAFF,
            Who.DEPARTMENT,
            needs_reason=True,
        ),
        Move(Action.RESOLVE, _("办结"), _OPEN_WORK, Status.RESOLVED, _STAFF, Who.HOLDER),
        Move(
            Action.VISIT,
            _("回访"),
            frozenset({Status.RESOLVED}),
            Status.VISITED,
            _STAFF,
            Who.HOLDER,
        ),
        Move(
            Action.CLOSE,
            _("结案"),
            frozenset({Status.VISITED}),
            Status.CLOSED,
            frozenset({Role.CLERK, Role.HEAD}),
            Who.HOLDER,
        ),
        Move(
            Action.REOPEN,
            _("重启"),
            frozenset({Status.RESOLVED, Status.VISITED, Status.CLOSED}),
            Status.ACCEPTED,
            frozenset({Role.HEAD}),
            Who.HOLDER,
            needs_reason=True,
        ),
        # A decline is not the end: the level above may reopen it, on a party's review request
        # (portal.services.review_answer) or by itself when the request went unanswered.
        Move(
            Action.REVIEW_REOPEN,
            _("复核后重新受理"),
            frozenset({Status.DECLINED}),
            Status.ACCEPTED,
            frozenset({Role.CLERK, Role.HEAD}),
            Who.ABOVE,
            needs_reason=True,
        ),
    ]
}

# An event says what was done (past tense in English: "Registered", not the button's
# "Register"); the Chinese words are the moves' own.
EVENT_LABELS = {
    Action.ACCEPT: pgettext_lazy("event", "受理"),
    Action.DECLINE: pgettext_lazy("event", "不予受理"),
    Action.SESSION: pgettext_lazy("event", "记录调解"),
    Action.TRANSFER: pgettext_lazy("event", "移送上级"),
    Action.RECEIVE: pgettext_lazy("event", "接收移送"),
    Action.RETURN: pgettext_lazy("event", "退回"),
    Action.ASSIGN: pgettext_lazy("event", "交办部门"),
    Action.REPORT: pgettext_lazy("event", "反馈办理结果"),
    Action.RESOLVE: pgettext_lazy("event", "办结"),
    Action.VISIT: pgettext_lazy("event", "回访"),
    Action.CLOSE: pgettext_lazy("event", "结案"),
    Action.REOPEN: pgettext_lazy("event", "重启"),
    Action.REVIEW_REOPEN: pgettext_lazy("event", "复核后重新受理"),
    Action.REGISTER: pgettext_lazy("event", "登记"),
    # Follow-up records that change no state, written by other apps through event_append.
    "escalation_request": _("当事人申请上移"),
    "escalation_answer": _("答复上移申请"),
    "review_request": _("当事人申请上一级复核"),
    "review_answer": _("上一级答复复核申请"),
    "rate": _("当事人评价"),
    "reception": _("领导接访"),
}


def event_label(action: str) -> str:
    """Words for an event's action. Other apps add their own actions to EVENT_LABELS when they
    load (see supervision.apps), so every page and the API read one registry."""
    return str(EVENT_LABELS.get(action, action))  # type: ignore[call-overload]


# Words for the parameters of the events other apps write (supervision orders, leaders'
# targets), in the reader's language; supervision registers it when it loads.
event_detail_more: Slot[[str, dict[str, Any]], str] = Slot(
    "event_detail_more", provider="jiefen.supervision"
)


def moves_from(status: str) -> list[Move]:
    """Every move the table allows from `status`, in table order."""
    return [move for move in TABLE.values() if status in move.sources]


def is_legal(status: str, action: str) -> bool:
    move = TABLE.get(action)  # type: ignore[call-overload]
    return move is not None and status in move.sources
