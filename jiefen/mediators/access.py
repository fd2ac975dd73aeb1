"""Mediator requests for this actor: one helper per object type that fetches it *for this
actor* and answers one the actor may not answer exactly as a missing one, as
disputes.access.dispute_for does for a dispute."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jiefen.disputes.access import roles_by_body
from jiefen.lib.errors import NotFound
from jiefen.mediators.models import MediatorRequest


def request_for(actor: Any, pk: Any) -> MediatorRequest:
    """The request if the actor may answer it: staff of the holding body while it waits there,
    its head once it rose; NotFound otherwise, like a missing one."""
    requests = MediatorRequest.objects.select_related("dispute")
    if not actor.is_superuser:
        # Scoped in the query: a request held by a body where the actor has no role is never
        # read.
        bodies = [body for body, roles in roles_by_body(actor).items() if roles]
        requests = requests.filter(body_id__in=bodies)
    try:
        return requests.get(pk=int(pk))
    except (MediatorRequest.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("申请不存在或不在您的管辖范围内")) from None
