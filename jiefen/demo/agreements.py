"""What the demo's agreements need for their people's mediation agreement document: the items
the resolve form takes (each party's responsibility, the time limit of performance) and an
organisation's legal representative. The generator writes disputes move by move in bulk;
this fills these rows afterwards, in bulk too, for every agreement that lacks them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from jiefen.disputes.models import Agreement, Outcome, PartyKind
from jiefen.disputes.reads import events_of_disputes, parties_of_disputes
from jiefen.documents.models import AgreementDetail, PartyDetail

RESPONSIBILITY = {
    "labour": "被申请人未按约定足额支付劳动报酬，应承担主要责任。",
    "contract": "被申请人未按合同约定履行义务，应承担违约责任；申请人催告不及时，负一定责任。",
    "neighbourhood": "双方对纠纷的发生均有责任，被申请人占用公共通道在先，负主要责任。",
    "housing_land": "被申请人建房越过宅基地证载界址，应负主要责任。",
    "marriage_family": "双方未能妥善沟通家庭事务，对矛盾激化均负有责任。",
    "damages": "被申请人的行为造成申请人损失，应承担赔偿责任。",
    "traffic": "经交警部门认定，被申请人负事故主要责任，申请人负次要责任。",
    "property_mgmt": "物业服务企业未尽维修义务，业主未按期缴纳物业费，双方各负相应责任。",
    "consumer": "经营者提供的商品存在质量问题，应承担退换及赔偿责任。",
}
DEFAULT = "经调解员查明事实，双方对纠纷的发生均负有一定责任，本着互谅互让的原则达成协议。"
REPRESENTATIVES = ["王建华", "陈立新", "赵志强", "孙海燕", "周国平", "吴晓东", "郑丽娟", "何永明"]
_BY = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日前")
BATCH = 2000


def _deadline(performance: str, signed_on: date) -> tuple[bool, date | None]:
    if "当日" in performance and "履行完毕" in performance:
        return True, None
    found = _BY.search(performance)
    if found:
        return False, date(*map(int, found.groups()))
    return False, signed_on + timedelta(days=30)


def agreement_items_fill(within: tuple[int, int] | None = None) -> int:
    """Fill the agreement items of every agreement in force that has none (of the disputes
    with ids in the range `within`, if given); returns how many."""
    filled = 0
    now = timezone.now()
    agreements = Agreement.objects.filter(
        document_detail__isnull=True, dispute__outcome=Outcome.AGREEMENT
    )
    if within is not None:
        agreements = agreements.filter(dispute_id__gte=within[0], dispute_id__lte=within[1])
    pending = agreements.order_by("id").values_list(
        "id", "dispute_id", "performance", "signed_on", "dispute__category__key"
    )
    last = 0
    while True:
        rows = list(pending.filter(id__gt=last)[:BATCH])
        if not rows:
            return filled
        last = rows[-1][0]
        disputes = [row[1] for row in rows]
        actors: dict[int, Any] = dict(
            events_of_disputes(disputes, action="resolve")
            .order_by("id")
            .values_list("dispute_id", "actor_id")
        )
        details = []
        for pk, dispute, performance, signed_on, category in rows:
            on_signing, deadline = _deadline(performance, signed_on)
            details.append(
                AgreementDetail(
                    agreement_id=pk,
                    responsibility=RESPONSIBILITY.get(category, DEFAULT),
                    performed_on_signing=on_signing,
                    performance_deadline=deadline,
                    updated_at=now,
                    updated_by_id=actors[dispute],
                )
            )
        organisations = parties_of_disputes(
            disputes, kind=PartyKind.ORGANISATION, document_detail__isnull=True
        ).values_list("id", "dispute_id")
        parties = [
            PartyDetail(
                party_id=party,
                legal_representative=REPRESENTATIVES[party % len(REPRESENTATIVES)],
                updated_at=now,
                updated_by_id=actors[dispute],
            )
            for party, dispute in organisations
        ]
        with transaction.atomic():
            AgreementDetail.objects.bulk_create(details)  # audit-exempt: demo loading
            PartyDetail.objects.bulk_create(parties)  # audit-exempt: demo loading
        filled += len(details)
