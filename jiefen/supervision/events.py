"""The supervision records written into a dispute's history, and their words.

They change no state (from_status = to_status) and carry the dispute's own deadline in
"due" / "due_action" / "due_rule" like every event, since the rollups read the latest event's
"due"; dates of their own go under other keys ("order_due", "target", "date").
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ORDER_ISSUE = "order_issue"
ORDER_ANSWER = "order_answer"
ORDER_OVERDUE = "order_overdue"
URGE = "urge"
LEADER_ASSIGN = "leader_assign"
LEADER_EXTEND_ASK = "leader_extend_ask"
LEADER_EXTEND_DECIDE = "leader_extend_decide"
LEADER_NOTE = "leader_note"
LEADER_SIGN_OFF = "leader_sign_off"

EVENT_LABELS = {
    ORDER_ISSUE: gettext_lazy("下达督办"),
    ORDER_ANSWER: gettext_lazy("督办答复"),
    ORDER_OVERDUE: gettext_lazy("督办逾期未答复"),
    URGE: gettext_lazy("催办"),
    LEADER_ASSIGN: gettext_lazy("明确包案领导"),
    LEADER_EXTEND_ASK: gettext_lazy("申请包案延期"),
    LEADER_EXTEND_DECIDE: gettext_lazy("审批包案延期"),
    LEADER_NOTE: gettext_lazy("包案进展"),
    LEADER_SIGN_OFF: gettext_lazy("包案销号"),
}


def event_detail(action: str, params: dict[str, Any]) -> str:
    """Words for the parameters of a supervision event, in the reader's language."""
    p = params or {}
    parts = []
    if action == ORDER_ISSUE and p.get("order_due"):
        parts.append(
            _("%(days)s 个工作日内报告进展，至 %(date)s")
            % {"days": p.get("days", ""), "date": p["order_due"]}
        )
    if action == ORDER_ANSWER and "in_time" in p:
        parts.append(_("按期") if p["in_time"] else _("逾期"))
    if action == LEADER_ASSIGN and p.get("target"):
        parts.append(_("目标日期 %(date)s") % {"date": p["target"]})
    if action in (LEADER_EXTEND_ASK, LEADER_EXTEND_DECIDE) and p.get("date"):
        parts.append(_("延至 %(date)s") % {"date": p["date"]})
    if action == LEADER_EXTEND_DECIDE and "approved" in p:
        parts.append(_("批准") if p["approved"] else _("不批准"))
    return "；".join(parts)
