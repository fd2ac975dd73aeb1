"""Slots of the registration and list pages that the search app fills when it loads."""

from typing import Any

from django.http import HttpRequest

from jiefen.lib.registry import Slot

# The search app (above disputes) fills these when it loads: the masked search box, and the
# related disputes a registration probably repeats, with the clerk's choice to link them.
search_box_mask: Slot[[HttpRequest, Any, Any, Any], dict[str, Any]] = Slot(
    "search_box_mask", provider="jiefen.search"
)
intake_review: Slot[[HttpRequest, dict[str, Any], list[Any]], Any] = Slot(
    "intake_review", provider="jiefen.search"
)
intake_link: Slot[[HttpRequest, Any], None] = Slot("intake_link", provider="jiefen.search")

# The mediators app (above disputes) fills this: the department the routing catalogue (归口目录)
# proposes for a dispute at its holder's level, as (body id, reason), or None. The assignment
# form starts on it and shows the reason; the official decides.
proposed_department: Slot[[Any], tuple[int, str] | None] = Slot(
    "proposed_department", provider="jiefen.mediators"
)
