"""The dispute events this app writes (through disputes.services.event_append)."""

from django.utils.translation import gettext_lazy as _

LINK = "link"
MERGE = "merge"
MERGED_FROM = "merged_from"
FACTS_ADDED = "facts_added"

EVENT_LABELS = {
    LINK: _("关联纠纷"),
    MERGE: _("并入其他纠纷"),
    MERGED_FROM: _("并入本纠纷"),
    FACTS_ADDED: _("补充情况"),
}
