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
