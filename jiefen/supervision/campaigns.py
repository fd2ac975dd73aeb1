"""Clean-up campaigns (集中清理): the long-open disputes of a region listed, each given a leader,
and the campaign closed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.audit.services import audit_bulk
from jiefen.disputes.access import disputes_for
from jiefen.disputes.models import OPEN_STATUSES
from jiefen.disputes.reads import dispute_get, stays_of
from jiefen.lib.errors import Conflict, Forbidden, IllegalMove, Invalid, NotFound
from jiefen.org.models import BodyKind, Membership, Role
from jiefen.org.scope import scope_of
from jiefen.regions.models import Region, code_span
from jiefen.supervision import access
from jiefen.supervision.models import (
    Campaign,
    CampaignItem,
    Kind,
    LeaderOwnership,
    OwnershipStatus,
)
from jiefen.supervision.notifications import notify_bulk
from jiefen.supervision.writing import (
    _is_super,
    _text,
    _user,
)

# ---------------------------------------------------------------------------------------------
# Clean-up campaigns (集中清理)

OPEN_DAYS_MAX = 3650
TRANSFERS_MAX = 10


def _region(value: Any) -> Region | None:
    if isinstance(value, Region):
        return value
    try:
        return Region.objects.get(pk=int(value))
    except (Region.DoesNotExist, TypeError, ValueError):
        return None


def _campaign_seat(actor: Any, code: int) -> bool:
    return _is_super(actor) or any(
        s.role in access.ISSUERS and s.kind != BodyKind.DEPARTMENT and s.covers(code)
        for s in access.seats(actor)
    )


def campaign_create(
    *,
    actor: Any,
    name: str,
    year: Any,
    quarter: Any,
    region: Any,
    open_days: Any = None,
    min_transfers: Any = None,
    reopened: bool = False,
    at: datetime | None = None,
) -> Campaign:
    """Start a quarter's clean-up in `region`: every open dispute there that has been open
    more than `open_days` days, or was transferred at least `min_transfers` times, or was
    reopened (any criterion set), becomes an item with an owner and a leader."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    name = _text(name, field="name", limit=100, empty=_("请填写名称"))
    fields: dict[str, list[str]] = {}
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not today.year - 1 <= year <= today.year + 1:
        fields["year"] = [_("年度应为 %(year)d 年前后一年内") % {"year": today.year}]
    try:
        quarter = int(quarter)
    except (TypeError, ValueError):
        quarter = 0
    if not 1 <= quarter <= 4:
        fields["quarter"] = [_("季度应为 1 至 4")]
    days = _optional_int(open_days)
    if days is not None and not 1 <= days <= OPEN_DAYS_MAX:
        fields["open_days"] = [_("在办天数应为 1 至 %(max)d") % {"max": OPEN_DAYS_MAX}]
    transfers = _optional_int(min_transfers)
    if transfers is not None and not 1 <= transfers <= TRANSFERS_MAX:
        fields["min_transfers"] = [_("移送次数应为 1 至 %(max)d") % {"max": TRANSFERS_MAX}]
    if days is None and transfers is None and not reopened:
        fields["open_days"] = [_("请至少设定一项清理规则")]
    place = _region(region)
    if place is None:
        fields["region"] = [_("请选择清理范围")]
    if fields:
        raise Invalid(_("填写有误，请按提示修改"), fields=fields)
    assert place is not None
    if not scope_of(actor).contains(place.code) or not _campaign_seat(actor, place.code):
        message = _("%(region)s 不在您的管辖范围内，不能在此开展集中清理") % {"region": place.name}
        raise Forbidden(message, fields={"region": [message]})

    low, high = place.span
    transfer_count = (
        stays_of(OuterRef("pk"), how="transferred")
        .values("dispute")
        .annotate(n=Count("id"))
        .values("n")
    )
    candidates = (
        disputes_for(actor)
        .filter(region_code__range=(low, high), status__in=OPEN_STATUSES)
        .annotate(
            transfers=Subquery(transfer_count),
            was_reopened=Exists(stays_of(OuterRef("pk"), how="reopened")),
        )
    )
    rule = Q(pk__in=[])
    if days is not None:
        rule |= Q(registered_at__lt=now - timedelta(days=days))
    if transfers is not None:
        rule |= Q(transfers__gte=transfers)
    if reopened:
        rule |= Q(was_reopened=True)
    rows = list(
        candidates.filter(rule)
        .order_by("region_code", "id")
        .values_list(
            "pk",
            "region_code",
            "status",
            "owner_id",
            "holder_id",
            "registered_at",
            "transfers",
            "was_reopened",
            "number",
        )
    )
    if not rows:
        raise Invalid(_("按此规则，该范围内没有需要清理的纠纷"))

    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            year=year,
            quarter=quarter,
            region=place,
            open_days=days,
            min_transfers=transfers,
            reopened=bool(reopened),
            created_by=actor,
            created_at=now,
        )
        heads = access.heads_of({row[4] for row in rows})
        leaders = _default_leaders([row[0] for row in rows], [row[1] for row in rows])
        items = []
        numbers = {}
        for (
            pk,
            code,
            status,
            owner_id,
            holder_id,
            registered_at,
            n_transfers,
            again,
            number,
        ) in rows:
            numbers[pk] = number
            matched = []
            if days is not None and registered_at < now - timedelta(days=days):
                matched.append("open_days")
            if transfers is not None and (n_transfers or 0) >= transfers:
                matched.append("transfers")
            if reopened and again:
                matched.append("reopened")
            items.append(
                CampaignItem(
                    campaign=campaign,
                    dispute_id=pk,
                    region_code=code,
                    matched=matched,
                    status_at_start=status,
                    owner_id=owner_id or next(iter(heads.get(holder_id, [])), None),
                    leader_id=leaders.get(pk),
                )
            )
        CampaignItem.objects.bulk_create(items, batch_size=1000)
        audit_bulk(
            model=CampaignItem, action="create", pks=[item.pk for item in items],
            fields=["campaign", "dispute", "matched", "status_at_start", "owner", "leader"],
            region_code=getattr(campaign, "region_code", None),
        )  # fmt: skip
        notify_bulk(
            kind=Kind.CAMPAIGN,
            rows=[
                (
                    [item.owner_id, item.leader_id],
                    item.dispute_id,
                    str(campaign.pk),
                    {"campaign": campaign.name, "number": numbers[item.dispute_id]},
                )
                for item in items
            ],
            at=now,
        )
    return campaign


def _optional_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _default_leaders(dispute_ids: list[int], codes: list[int]) -> dict[int, int]:
    """Each dispute's leader for a campaign: its active owner, or else a leader of the nearest
    tier body over its place (town before county before city)."""
    owned = dict(
        LeaderOwnership.objects.filter(
            dispute_id__in=dispute_ids, status=OwnershipStatus.ACTIVE
        ).values_list("dispute_id", "leader_id")
    )
    seats = sorted(
        (
            (-level, code, user_id)
            for user_id, code, level in Membership.objects.filter(
                role=Role.LEADER, body__active=True, user__is_active=True
            )
            .exclude(body__kind=BodyKind.DEPARTMENT)
            .values_list("user_id", "body__region_code", "body__region__level")
        ),
    )
    found: dict[int, int] = {}
    for pk, code in zip(dispute_ids, codes, strict=True):
        if pk in owned:
            found[pk] = owned[pk]
            continue
        for negative_level, body_code, user_id in seats:
            low, high = code_span(body_code, -negative_level)
            if low <= code <= high:
                found[pk] = user_id
                break
    return found


def campaign_item_assign(
    *, actor: Any, item_id: int, owner: Any = None, leader: Any = None
) -> CampaignItem:
    """Change a campaign item's owner (staff of a body over the dispute's place) or leader
    (a leader over it)."""
    try:
        item = CampaignItem.objects.select_related("campaign").get(pk=int(item_id))
    except (CampaignItem.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("清理对象不存在或不在您的管辖范围内")) from None
    if not scope_of(actor).contains(item.region_code):
        raise NotFound(_("清理对象不存在或不在您的管辖范围内"))
    if not _campaign_seat(actor, item.campaign.region_id):
        raise Forbidden(_("只有清理范围内的负责人或督查员可以调整责任人"))
    if item.campaign.closed_at is not None:
        raise IllegalMove(_("该集中清理已结束"))
    dispute = dispute_get(item.dispute_id, related=["region"])
    fields: dict[str, list[str]] = {}
    owner_user = _user(owner)
    leader_user = _user(leader)
    if owner_user is not None and not any(
        s.role in access.STAFF and s.covers(dispute.region_code) for s in access.seats(owner_user)
    ):
        fields["owner"] = [_("%(name)s 不是该纠纷所在辖区的工作人员") % {"name": owner_user}]
    if leader_user is not None and access.leader_seat(leader_user, dispute) is None:
        fields["leader"] = [_("%(name)s 不是该纠纷所在辖区的包案领导") % {"name": leader_user}]
    if fields:
        raise Invalid(_("填写有误，请按提示修改"), fields=fields)
    changed = []
    if owner_user is not None:
        item.owner = owner_user
        changed.append("owner")
    if leader_user is not None:
        item.leader = leader_user
        changed.append("leader")
    if changed:
        item.save(update_fields=changed)
    return item


def campaign_close(*, actor: Any, campaign_id: int, at: datetime | None = None) -> Campaign:
    """End a campaign, keeping its result as it stands."""
    from jiefen.supervision.selectors import campaign_result

    now = at or timezone.now()
    with transaction.atomic():
        try:
            campaign = Campaign.objects.select_for_update().get(pk=int(campaign_id))
        except (Campaign.DoesNotExist, TypeError, ValueError):
            raise NotFound(_("集中清理不存在或不在您的管辖范围内")) from None
        if not scope_of(actor).contains(campaign.region_id):
            raise NotFound(_("集中清理不存在或不在您的管辖范围内"))
        if not _campaign_seat(actor, campaign.region_id):
            raise Forbidden(_("只有清理范围内的负责人或督查员可以结束集中清理"))
        if campaign.closed_at is not None:
            raise Conflict(_("该集中清理已结束"))
        campaign.result = campaign_result(campaign)
        campaign.closed_at = now
        campaign.save(update_fields=["result", "closed_at"])
    return campaign
