"""Linking and merging disputes, and adding facts to an existing one at intake.

Each writes dispute events through disputes.services.event_append, in one transaction with
both disputes' rows locked (lower id first, so two clerks linking the same pair cannot
deadlock). Link events are staff-only (public=False): a party never learns from jiefen that
another dispute exists. A merge is the one exception, and only toward the merged dispute's own
parties: their dispute was declined *because* it continues in the other one, and their query
code then follows that one (see portal_target).

A merge declines the merged dispute through the lifecycle (不予受理, the reason naming the
dispute that continues; the party may ask the level above to review it as after any decline),
so it is possible only while that dispute is still registered and not yet accepted; two
disputes further along are linked instead.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.disputes import services as dispute_services
from jiefen.disputes.access import dispute_for
from jiefen.disputes.lifecycle import Conflict, Invalid
from jiefen.disputes.models import OPEN_STATUSES, Dispute, Party, Route, Status
from jiefen.disputes.reads import parties_of
from jiefen.disputes.services import event_append
from jiefen.lib.text import text_problem
from jiefen.search.events import FACTS_ADDED, LINK, MERGE, MERGED_FROM
from jiefen.search.models import DisputeLink, LinkKind

REASONS = ("same_party", "same_respondent", "same_project", "similar_text", "staff")


def _note(note: str) -> str:
    note = (note or "").strip()
    if text_problem(note):
        raise Invalid(_("填写有误，请按提示修改"), fields={"note": [str(text_problem(note))]})
    if len(note) > 500:
        raise Invalid(_("说明不能超过 500 个字"), fields={"note": [_("不能超过 500 个字")]})
    return note


def _both(actor: Any, first_id: int, second_id: int) -> tuple[Dispute, Dispute]:
    if int(first_id) == int(second_id):
        raise Invalid(_("不能与纠纷本身关联"))
    locked = {}
    for pk in sorted((int(first_id), int(second_id))):
        locked[pk] = dispute_for(actor, pk, for_update=True)
    return locked[int(first_id)], locked[int(second_id)]


def _existing(a: Dispute, b: Dispute) -> DisputeLink | None:
    return DisputeLink.objects.filter(source__in=[a, b], target__in=[a, b]).first()


def dispute_link(
    *, actor: Any, source_id: int, target_id: int, reasons: list[str], note: str = "", at=None
) -> DisputeLink:
    """Record that two disputes in the actor's jurisdiction are related."""
    note = _note(note)
    reasons = [r for r in reasons if r in REASONS] or ["staff"]
    now = at or timezone.now()
    with transaction.atomic():
        source, target = _both(actor, source_id, target_id)
        if _existing(source, target) is not None:
            raise Conflict(_("这两件纠纷已经关联"))
        link = DisputeLink.objects.create(
            source=source,
            target=target,
            kind=LinkKind.RELATED,
            reasons=reasons,
            note=note,
            at=now,
            actor=actor,
        )
        for this, other in ((source, target), (target, source)):
            event_append(
                dispute=this,
                at=now,
                actor=actor,
                action=LINK,
                from_status=this.status,
                to_status=this.status,
                body_id=this.holder_id,
                reason=note,
                params={"other": other.number, "reasons": reasons},
                public=False,
            )
    return link


def dispute_merge(
    *, actor: Any, source_id: int, target_id: int, note: str = "", at=None
) -> DisputeLink:
    """Merge the registered dispute `source` into the open dispute `target`, which continues:
    `source` is declined with the reason naming `target`, both histories record the merge, and
    `source`'s parties follow `target` with their query code."""
    note = _note(note)
    now = at or timezone.now()
    with transaction.atomic():
        source, target = _both(actor, source_id, target_id)
        if source.status != Status.REGISTERED:
            raise Invalid(_("只有刚登记、尚未受理的纠纷可以并入其他纠纷；其他情况请选择关联"))
        if target.status not in OPEN_STATUSES:
            raise Invalid(_("只能并入尚未办结的纠纷"))
        if DisputeLink.objects.filter(source=target, kind=LinkKind.MERGED).exists():
            raise Invalid(_("该纠纷已并入其他纠纷，不能再并入"))
        earlier = _existing(source, target)
        if earlier is not None:
            earlier.delete()  # a link becomes the merge: one relation per pair
        reason = _("并入 %(number)s 继续办理") % {"number": target.number}
        if note:
            reason = f"{reason}：{note}"
        declined = dispute_services.dispute_decline(
            actor=actor,
            dispute_id=source.pk,
            version=None,
            reason=reason,
            route=Route.OTHER,
            at=now,
        )
        link = DisputeLink.objects.create(
            source=source,
            target=target,
            kind=LinkKind.MERGED,
            reasons=["staff"],
            note=note,
            at=now,
            actor=actor,
        )
        event_append(
            dispute=declined,
            at=now,
            actor=actor,
            action=MERGE,
            from_status=declined.status,
            to_status=declined.status,
            body_id=declined.holder_id,
            reason=note,
            params={"into": target.number},
        )
        event_append(
            dispute=target,
            at=now,
            actor=actor,
            action=MERGED_FROM,
            from_status=target.status,
            to_status=target.status,
            body_id=target.holder_id,
            reason=note,
            params={"from": source.number},
            public=False,
        )
    return link


def dispute_add_facts(
    *, actor: Any, dispute_id: int, facts: str, parties: list[Any], at=None
) -> Dispute:
    """At intake, the new facts (and any new parties) of what turned out to be an existing
    dispute, added to it instead of registering another one."""
    facts = (facts or "").strip()
    problem = text_problem(facts)
    if problem or not facts or len(facts) > 5000:
        raise Invalid(
            _("填写有误，请按提示修改"),
            fields={"description": [str(problem or _("请填写补充的情况（不超过 5000 字）"))]},
        )
    now = at or timezone.now()
    with transaction.atomic():
        dispute = dispute_for(actor, dispute_id, for_update=True)
        if dispute.status not in OPEN_STATUSES:
            raise Invalid(_("只能向尚未办结的纠纷补充情况"))
        known = {(p.name, p.phone_digest, p.id_digest) for p in parties_of(dispute)}
        added = []
        for p in parties:
            party = Party(
                dispute=dispute,
                side=p.side,
                kind=p.kind,
                name=p.name.strip(),
                phone=p.phone.strip(),
                id_number=p.id_number.strip().upper(),
                address=p.address.strip(),
            )
            party.fill_digests()
            if (party.name, party.phone_digest, party.id_digest) not in known:
                added.append(party)
        dispute_services.parties_add(parties=added)
        dispute.version += 1
        dispute.save(update_fields=["version"])
        event_append(
            dispute=dispute,
            at=now,
            actor=actor,
            action=FACTS_ADDED,
            from_status=dispute.status,
            to_status=dispute.status,
            body_id=dispute.holder_id,
            reason=facts,
            params={"parties": len(added)},
            public=False,
        )
    return dispute
