"""The register's mediators in a dispute's mediation sessions (调解记录): the choices the
session form offers, the check of those chosen and their link to the session, and the sessions
a mediator sat in. disputes reaches these through its slots (disputes.services)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jiefen.disputes.models import Dispute, Session
from jiefen.disputes.services import Seating
from jiefen.lib.errors import Invalid
from jiefen.mediators.models import Mediator, Sitting

OFFERED = 200  # the holder's register offered on the form, by name


def _on_dispute(dispute: Dispute) -> Q:
    return Q(assignments__dispute=dispute, assignments__ended_at__isnull=True)


def session_choices(
    actor: Any, dispute: Dispute
) -> tuple[list[tuple[str, list[tuple[int, str]]]], list[int]]:
    """The dispute's assigned mediators first, then the holder's other mediators in service;
    the signed-in user's own record to start on when it is among them."""
    assigned = list(
        Mediator.objects.filter(_on_dispute(dispute))
        .order_by("name", "pk")
        .values_list("pk", "name")
        .distinct()
    )
    others = list(
        Mediator.objects.filter(bodies=dispute.holder_id, active=True)
        .exclude(pk__in=[pk for pk, _name in assigned])
        .order_by("name", "pk")
        .values_list("pk", "name")[:OFFERED]
    )
    groups = []
    if assigned:
        groups.append((_("本案调解员"), assigned))
    if others:
        groups.append((_("本调处主体的调解员"), others))
    offered = {pk for pk, _name in assigned + others}
    mine = [
        pk
        for pk in Mediator.objects.filter(user_id=actor.pk or 0, active=True).values_list(
            "pk", flat=True
        )
        if pk in offered
    ]
    return groups, mine


def session_seating(dispute: Dispute, pks: list[int]) -> Seating:
    """Check the chosen: each on the dispute now or in service at the holder; the names in
    the order chosen on the page (by name), and the writer of the links."""
    wanted = sorted(set(pks))
    found = list(
        Mediator.objects.filter(pk__in=wanted)
        .filter(_on_dispute(dispute) | Q(bodies=dispute.holder_id, active=True))
        .order_by("name", "pk")
        .distinct()
    )
    if len(found) != len(wanted):
        message = _("所选调解员既未指派办理本纠纷，也不在本调处主体的在聘调解员名册中")
        raise Invalid(message, fields={"seated": [message]})

    def write(session: Session) -> None:
        for mediator in found:  # a handful a session; each row saved (and recorded) on its own
            Sitting.objects.create(session=session, mediator=mediator)

    return Seating(names=[m.name for m in found], write=write)


def sittings_of(mediator: Mediator) -> QuerySet[Sitting]:
    """The sessions the mediator sat in, the latest first."""
    return (
        Sitting.objects.filter(mediator=mediator)
        .select_related("session", "session__dispute")
        .order_by("-session__held_on", "-session_id")
    )
