"""The demo's mediators and routing catalogue: specialised committees in Zhuji and at the city,
mediators for every village group and town centre and for those committees, and a default
catalogue entry for every category at the town and county level of every county.

Idempotent like the rest of the demo: a second run adds nothing. Bulk writes keep it quick
(about 2,600 mediators); names are made from a fixed list, deterministic for a region code.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from jiefen.accounts.models import User
from jiefen.demo.services import ACCOUNTS, DEPARTMENTS, SHAOXING, ZHUJI, _stable
from jiefen.disputes.models import Category
from jiefen.mediators.models import Mediator, RouteEntry
from jiefen.org.models import Body, BodyKind, Role
from jiefen.regions.models import Level, Region, code_span

# (suffix of the body's name, kind, the categories its mediators take)
SPECIALISED = [
    ("劳动人事争议人民调解委员会", BodyKind.COMMITTEE, ("labour",)),
    ("医疗纠纷人民调解委员会", BodyKind.COMMITTEE, ("medical",)),
    ("道路交通事故人民调解委员会", BodyKind.COMMITTEE, ("traffic", "damages")),
    ("物业纠纷人民调解委员会", BodyKind.COMMITTEE, ("property_mgmt",)),
    ("婚姻家庭纠纷人民调解委员会", BodyKind.COMMITTEE, ("marriage_family",)),
    ("消费纠纷人民调解委员会", BodyKind.COMMITTEE, ("consumer",)),
    ("人民法院特邀调解组织", BodyKind.INVITED_ORG, ("contract", "damages", "labour")),
    ("律师调解工作室", BodyKind.LAWYER_STUDIO, ("contract", "damages", "housing_land")),
]
CITY_SPECIALISED = ("劳动人事争议人民调解委员会", "医疗纠纷人民调解委员会")
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜"
GIVEN = "建国秀英志强丽华海峰美玲国平小红伟明春燕永良桂芳金水立新雪梅德福"
APPOINTED = date(2024, 1, 1)
TERM_ENDS = date(2028, 12, 31)
GENERAL = ("neighbourhood", "marriage_family", "housing_land", "contract", "damages", "other")


def _name(code: int, n: int) -> str:
    x = int(_stable(code * 10 + n) * 10**6)
    return (
        SURNAMES[x % len(SURNAMES)] + GIVEN[(x // 40) % len(GIVEN)] + GIVEN[(x // 997) % len(GIVEN)]
    )


def _committees() -> list[tuple[Body, tuple[str, ...]]]:
    regions = Region.objects.in_bulk([ZHUJI, SHAOXING])
    wanted = [(regions[ZHUJI], s, k, c) for s, k, c in SPECIALISED] + [
        (regions[SHAOXING], s, k, c) for s, k, c in SPECIALISED if s in CITY_SPECIALISED
    ]
    existing = {
        (b.region_id, b.name): b
        for b in Body.objects.filter(
            region_id__in=[ZHUJI, SHAOXING],
            kind__in=[BodyKind.COMMITTEE, BodyKind.INVITED_ORG, BodyKind.LAWYER_STUDIO],
        )
    }
    new = [
        Body(
            kind=kind, name=f"{region.name}{suffix}", region_id=region.code, region_code=region.code
        )
        for region, suffix, kind, _c in wanted
        if (region.code, f"{region.name}{suffix}") not in existing
    ]
    Body.objects.bulk_create(new)  # audit-exempt: demo data loading
    if new:
        existing = {
            (b.region_id, b.name): b
            for b in Body.objects.filter(region_id__in=[ZHUJI, SHAOXING]).exclude(
                kind=BodyKind.DEPARTMENT
            )
        }
    return [(existing[(r.code, f"{r.name}{s}")], c) for r, s, _k, c in wanted]


def _mediators(committees: list[tuple[Body, tuple[str, ...]]]) -> int:
    low, high = code_span(SHAOXING, Level.CITY)
    if Mediator.objects.filter(region_code__range=(low, high)).exists():
        return 0
    categories = dict(Category.objects.values_list("key", "pk"))
    plans: list[tuple[Body, int, tuple[str, ...]]] = []
    for body in Body.objects.filter(
        region_code__range=(low, high), kind__in=[BodyKind.VILLAGE_GROUP, BodyKind.TOWN_CENTRE]
    ).order_by("pk"):
        for n in range(1 if body.kind == BodyKind.VILLAGE_GROUP else 2):
            plans.append((body, n, GENERAL if n == 0 else (*GENERAL, "labour", "traffic")))
    for body, matters in committees:
        for n in range(3):
            plans.append((body, n, matters))
    mediators = [
        Mediator(
            name=_name(body.region_code + body.pk, n),
            home_body=body,
            region_code=body.region_code,  # bulk_create skips Mediator.save()
            languages="普通话、绍兴话",
            full_time=body.kind != BodyKind.VILLAGE_GROUP and n == 0,
            appointed_on=APPOINTED,
            term_ends=TERM_ENDS,
            weekdays="12345" if n % 2 == 0 else "135",
        )
        for body, n, _m in plans
    ]
    Mediator.objects.bulk_create(mediators, batch_size=500)  # audit-exempt: demo data loading
    served = Mediator.bodies.through
    takes = Mediator.categories.through
    served.objects.bulk_create(  # audit-exempt: demo data loading
        [
            served(mediator_id=m.pk, body_id=b.pk)
            for m, (b, _n, _c) in zip(mediators, plans, strict=True)
        ],
        batch_size=1000,
    )
    takes.objects.bulk_create(  # audit-exempt: demo data loading
        [
            takes(mediator_id=m.pk, category_id=categories[key])
            for m, (_b, _n, matters) in zip(mediators, plans, strict=True)
            for key in matters
            if key in categories
        ],
        batch_size=1000,
    )
    return len(mediators) + _accounts_as_mediators()


def _accounts_as_mediators() -> int:
    """The demo accounts that mediate are mediators of their body, signed in as themselves."""
    users = {
        u.username: u for u in User.objects.filter(username__in=[a.username for a in ACCOUNTS])
    }
    added = 0
    for account in ACCOUNTS:
        user = users.get(account.username)
        if Role.MEDIATOR not in account.roles or user is None:
            continue
        body = Body.objects.get(region_id=account.region, kind=account.kind)
        mediator = Mediator.objects.create(
            name=account.full_name,
            home_body=body,
            languages="普通话、诸暨话",
            full_time=True,
            appointed_on=APPOINTED,
            term_ends=TERM_ENDS,
            weekdays="12345",
            user=user,
        )
        mediator.bodies.set([body])
        mediator.categories.set(Category.objects.filter(key__in=(*GENERAL, "labour")))
        added += 1
    return added


def _catalogue(committees: list[tuple[Body, tuple[str, ...]]]) -> int:
    low, high = code_span(SHAOXING, Level.CITY)
    if RouteEntry.objects.filter(region__code__range=(low, high)).exists():
        return 0
    categories = dict(Category.objects.values_list("key", "pk"))
    # Each category to the department that takes the fewest kinds of matter among those taking
    # it (人社 for labour rather than 信访), the earlier one on a tie.
    first_dept: dict[str, str] = {}
    for d in sorted(DEPARTMENTS, key=lambda d: len(d.matters)):
        for key in d.matters:
            first_dept.setdefault(key, d.key)
    depts = {
        (region, key): pk
        for pk, region, key in Body.objects.filter(
            kind=BodyKind.DEPARTMENT, region__level=Level.COUNTY, region_code__range=(low, high)
        ).values_list("pk", "region_id", "department_type__key")
    }
    committee_of: dict[tuple[int, str], int] = {}
    for body, matters in committees:
        if body.kind == BodyKind.COMMITTEE:
            for key in matters:
                committee_of.setdefault((body.region_id, key), body.pk)
    entries = []
    for county in Region.objects.filter(level=Level.COUNTY, code__range=(low, high)):
        for key, dept_key in first_dept.items():
            if key not in categories or (county.code, dept_key) not in depts:
                continue
            for level in (Level.TOWN, Level.COUNTY):
                entries.append(
                    RouteEntry(
                        region_id=county.code,
                        level=level,
                        category_id=categories[key],
                        department_id=depts[(county.code, dept_key)],
                        committee_id=committee_of.get((county.code, key)),
                        source=f"{county.name}{dept_key}权责清单·矛盾纠纷调处",
                    )
                )
    RouteEntry.objects.bulk_create(entries)  # audit-exempt: demo data loading
    return len(entries)


def demo_load_mediators() -> tuple[int, int]:
    """Committees, mediators and the catalogue; (mediators added, entries added)."""
    with transaction.atomic():
        committees = _committees()
        return _mediators(committees), _catalogue(committees)
