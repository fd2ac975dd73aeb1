"""The dispute events this app writes (through disputes.services.event_append)."""

from django.utils.translation import gettext_lazy as _

MEDIATOR_ASSIGNED = "mediator_assigned"

EVENT_LABELS = {
    MEDIATOR_ASSIGNED: _("指派调解员"),
}
