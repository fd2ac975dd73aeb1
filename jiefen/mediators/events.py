"""The dispute events this app writes (through disputes.services.event_append)."""

from django.utils.translation import gettext_lazy as _

MEDIATOR_ASSIGNED = "mediator_assigned"
MEDIATOR_REQUESTED = "mediator_requested"
MEDIATOR_ANSWERED = "mediator_answered"
MEDIATOR_REQUEST_RAISED = "mediator_raised"

EVENT_LABELS = {
    MEDIATOR_ASSIGNED: _("指派调解员"),
    MEDIATOR_REQUESTED: _("申请指定、更换调解员或回避"),
    MEDIATOR_ANSWERED: _("答复调解员申请"),
    MEDIATOR_REQUEST_RAISED: _("调解员申请逾期未答复，提交负责人"),
}
