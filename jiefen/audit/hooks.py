"""What the audit log's pages ask of the apps above it, filled when those apps load: kept apart
from the views so that registering costs an app's start nothing (the views import forms and
templates, which a console command never needs)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from jiefen.lib.registry import Slot

# The records an auditor may read, as a filter on Record; Http404 for anyone without the
# auditor role. Roles and jurisdictions belong to the org app, which registers it when it loads.
auditor_filter: Slot[[Any], Q] = Slot("auditor_filter", provider="jiefen.org")

# Words for the actions of dispute events, which the audit log records beside its own; the
# disputes app registers its label lookup when it loads.
event_label: Slot[[str], str] = Slot("event_label", provider="jiefen.disputes")
