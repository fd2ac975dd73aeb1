"""The demo: Shaoxing's real divisions with a handling body for every unit and a few accounts.

Everything here is idempotent: a second run finds what it made and changes nothing, and it never
overwrites what an administrator has changed since (a town's class, a body's name, a password).
Names of bodies and departments are data, stored in Chinese as the real ones are, not
interface text.
"""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jiefen.accounts.models import User
from jiefen.org.models import Body, BodyKind, DepartmentType, Membership, Role
from jiefen.regions.models import Level, Region, code_span
from jiefen.regions.services import ZHEJIANG, ImportResult, regions_import

SHAOXING = 330600000000
ZHUJI = 330681000000
FENGQIAO = 330681109000
FENGYI = 330681109008  # 枫一社区, 枫桥镇
PASSWORD = "jiefen-demo"

TIER_KIND = {
    Level.CITY: BodyKind.CITY_OFFICE,
    Level.COUNTY: BodyKind.COUNTY_MEETING,
    Level.TOWN: BodyKind.TOWN_CENTRE,
    Level.VILLAGE: BodyKind.VILLAGE_GROUP,
}


class Department(NamedTuple):
    key: str
    name: str
    matters: tuple[str, ...]
    county_suffix: str  # 诸暨市 + 公安局
    town_suffix: str = ""  # 诸暨市公安局 + 枫桥 + 派出所; empty: no office at towns


# Member departments of a county joint meeting, with the dispute categories they usually take.
DEPARTMENTS = [
    Department(
        "land",
        "自然资源和规划",
        ("housing_land", "forest_land", "land_requisition"),
        "自然资源和规划局",
    ),
    Department("petitions", "信访", ("land_requisition", "labour", "other"), "信访局"),
    Department("hrss", "人力资源和社会保障", ("labour",), "人力资源和社会保障局"),
    Department(
        "housing",
        "住房和城乡建设",
        ("housing_land", "property_mgmt", "contract"),
        "住房和城乡建设局",
    ),
    Department(
        "police", "公安", ("neighbourhood", "damages", "traffic"), "公安局", town_suffix="派出所"
    ),
    Department(
        "justice",
        "司法",
        ("marriage_family", "neighbourhood", "contract", "damages", "other"),
        "司法局",
        town_suffix="司法所",
    ),
    Department(
        "court",
        "人民法院",
        ("marriage_family", "contract", "damages", "labour"),
        "人民法院",
        town_suffix="人民法庭",
    ),
    Department("market", "市场监管", ("consumer", "contract"), "市场监督管理局"),
    Department("health", "卫生健康", ("medical",), "卫生健康局"),
    Department("environment", "生态环境", ("environment",), "生态环境分局"),
    Department("transport", "交通运输", ("traffic",), "交通运输局"),
    Department(
        "agriculture",
        "农业农村",
        ("forest_land", "land_requisition", "contract", "village_affairs"),
        "农业农村局",
    ),
    Department("civil_affairs", "民政", ("marriage_family", "village_affairs"), "民政局"),
    Department("women", "妇联", ("marriage_family",), "妇女联合会"),
]


class DemoAccount(NamedTuple):
    username: str
    full_name: str
    region: int
    kind: BodyKind
    roles: tuple[Role, ...]
    what: Promise
    superuser: bool = False


ACCOUNTS = [
    DemoAccount(
        "clerk",
        "陈小梅",
        FENGYI,
        BodyKind.VILLAGE_GROUP,
        (Role.CLERK, Role.MEDIATOR),
        _("村调处工作组登记员、调解员（诸暨市枫桥镇枫一社区）"),
    ),
    DemoAccount(
        "townhead",
        "李卫东",
        FENGQIAO,
        BodyKind.TOWN_CENTRE,
        (Role.HEAD, Role.MEDIATOR),
        _("乡镇矛调中心负责人、调解员（枫桥镇矛调中心）"),
    ),
    DemoAccount(
        "county",
        "周明",
        ZHUJI,
        BodyKind.COUNTY_MEETING,
        (Role.CLERK, Role.HEAD),
        _("县级联席会议办公室登记员、负责人（诸暨市）"),
    ),
    DemoAccount(
        "leader",
        "吴国强",
        ZHUJI,
        BodyKind.COUNTY_MEETING,
        (Role.LEADER,),
        _("包案领导（诸暨市）"),
    ),
    DemoAccount(
        "evaluator",
        "孙丽",
        SHAOXING,
        BodyKind.CITY_OFFICE,
        (Role.EVALUATOR,),
        _("市考核员（绍兴市）"),
    ),
    DemoAccount(
        "auditor",
        "吴审",
        SHAOXING,
        BodyKind.CITY_OFFICE,
        (Role.AUDITOR,),
        _("审计员（绍兴市，查看 /audit/）"),
    ),
    DemoAccount(
        "admin",
        "钱进",
        SHAOXING,
        BodyKind.CITY_OFFICE,
        (Role.ADMIN,),
        _("系统管理员（绍兴市，可进入 /admin/）"),
        superuser=True,
    ),
]


@dataclass
class FoundationResult:
    regions: ImportResult
    towns_classified: int = 0
    department_types_added: int = 0
    bodies_added: int = 0
    accounts_added: int = 0
    memberships_added: int = 0
    accounts: list[DemoAccount] = field(default_factory=lambda: list(ACCOUNTS))

    @property
    def changed(self) -> bool:
        return bool(
            self.regions.added
            or self.regions.updated
            or self.towns_classified
            or self.department_types_added
            or self.bodies_added
            or self.accounts_added
            or self.memberships_added
        )


def _stable(code: int) -> float:
    """A number in [0, 1) fixed by the code, the same on every machine and run."""
    return zlib.crc32(str(code).encode()) / 2**32


def town_population(code: int, name: str, villages: int) -> int:
    """A plausible resident population: about 2,000 per village, more in urban subdistricts.

    Over Shaoxing's 2,168 villages this comes to about 5.45 million, near the city's 5.3.
    """
    per_village = 2000 * (1.5 if name.endswith("街道") else 1.0)
    return int(round(max(villages, 1) * per_village * (0.75 + 0.5 * _stable(code)), -2))


def town_class(population: int) -> int:
    """Large towns are class 1 (8–12 centre staff), middling class 2, small class 3.

    In Shaoxing this makes about a third of the towns each: 33, 34 and 36.
    """
    if population >= 60000:
        return 1
    if population >= 35000:
        return 2
    return 3


def village_short_name(name: str) -> str:
    """枫一社区居委会 → 枫一社区, 先进村委会 → 先进村: the name people use for the group."""
    for long, short in [
        ("社区居民委员会", "社区"),
        ("社区居委会", "社区"),
        ("村民委员会", "村"),
        ("村委会", "村"),
    ]:
        if name.endswith(long):
            return name[: -len(long)] + short
    return name


def town_short_name(name: str) -> str:
    """枫桥镇 → 枫桥, as in 枫桥派出所."""
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def tier_body_name(level: Level, name: str) -> str:
    if level == Level.CITY:
        return f"{name}矛调办公室"
    if level == Level.COUNTY:
        return f"{name}县级联席会议"
    if level == Level.TOWN:
        return f"{name}矛调中心"
    return f"{village_short_name(name)}调处工作组"


def _classify_towns(towns: list[Region], villages: Counter[int]) -> int:
    """Give towns without a class or population a deterministic one; keep what is set."""
    changed = []
    for town in towns:
        if town.town_class is not None and town.population is not None:
            continue
        if town.population is None:
            town.population = town_population(town.code, town.name, villages[town.code])
        if town.town_class is None:
            town.town_class = town_class(town.population)
        changed.append(town)
    Region.objects.bulk_update(
        changed, ["town_class", "population"], batch_size=500
    )  # audit-exempt: demo
    return len(changed)


def _department_types() -> tuple[dict[str, DepartmentType], int]:
    existing = {
        t.key: t for t in DepartmentType.objects.filter(key__in=[d.key for d in DEPARTMENTS])
    }
    missing = [
        DepartmentType(key=d.key, name=d.name, matters=",".join(d.matters), sort=10 * (i + 1))
        for i, d in enumerate(DEPARTMENTS)
        if d.key not in existing
    ]
    DepartmentType.objects.bulk_create(missing)  # audit-exempt: demo data loading
    if missing:
        existing = {
            t.key: t for t in DepartmentType.objects.filter(key__in=[d.key for d in DEPARTMENTS])
        }
    return existing, len(missing)


def _bodies(units: list[Region], types: dict[str, DepartmentType]) -> int:
    """A tier body for every unit, all departments at every county, a few at every town."""
    low, high = code_span(SHAOXING, Level.CITY)
    existing = set(
        Body.objects.filter(region_code__range=(low, high)).values_list(
            "region_id", "kind", "department_type_id"
        )
    )
    by_code = {unit.code: unit for unit in units}
    new: list[Body] = []

    def add(region: Region, kind: BodyKind, name: str, dept: DepartmentType | None = None) -> None:
        key = (region.code, kind.value, dept.pk if dept else None)
        if key not in existing:
            new.append(
                Body(
                    kind=kind,
                    name=name,
                    region_id=region.code,
                    region_code=region.code,  # bulk_create skips Body.save()
                    department_type=dept,
                    address=_demo_address(region, by_code, name),
                    public_phone=_demo_phone(region.code, name),
                )
            )

    for unit in units:
        if unit.level in TIER_KIND:
            add(unit, TIER_KIND[Level(unit.level)], tier_body_name(Level(unit.level), unit.name))
        if unit.level == Level.COUNTY:
            for d in DEPARTMENTS:
                add(unit, BodyKind.DEPARTMENT, f"{unit.name}{d.county_suffix}", types[d.key])
        if unit.level == Level.TOWN:
            county = by_code[unit.parent_id] if unit.parent_id else unit
            for d in DEPARTMENTS:
                if not d.town_suffix:
                    continue
                # A people's tribunal sits in the larger towns only, not in every one.
                if d.key == "court" and (unit.town_class != 1 or unit.name.endswith("街道")):
                    continue
                name = f"{county.name}{d.county_suffix}{town_short_name(unit.name)}{d.town_suffix}"
                add(unit, BodyKind.DEPARTMENT, name, types[d.key])
    Body.objects.bulk_create(new, batch_size=500)  # audit-exempt: demo data loading
    return len(new)


def _demo_address(region: Region, by_code: dict[int, Region], name: str) -> str:
    """A made-up office address: the unit's place from the county down, and the body."""
    names = []
    unit: Region | None = region
    while unit is not None and unit.level >= Level.COUNTY:
        names.append(unit.name)
        unit = by_code.get(unit.parent_id) if unit.parent_id else None
    return f"{''.join(reversed(names))}{name}办公楼"[:200]


def _demo_phone(code: int, name: str) -> str:
    """A made-up landline in Shaoxing's area code (0575), the same on every run."""
    return f"0575-8{zlib.crc32(f'{code}:{name}'.encode()) % 10_000_000:07d}"


def _accounts() -> tuple[int, int]:
    """The demo accounts and their roles; existing accounts are left as they are."""
    usernames = [account.username for account in ACCOUNTS]
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    missing = [account for account in ACCOUNTS if account.username not in users]
    if missing:
        # One hash for all: hashing is deliberately slow, and the password is public anyway.
        password = make_password(PASSWORD)
        User.objects.bulk_create(  # audit-exempt: demo data loading
            [
                User(
                    username=account.username,
                    full_name=account.full_name,
                    password=password,
                    is_staff=account.superuser,
                    is_superuser=account.superuser,
                )
                for account in missing
            ]
        )
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    bodies = {
        (region, kind): pk
        for pk, region, kind in Body.objects.filter(
            region_id__in={account.region for account in ACCOUNTS},
            kind__in={account.kind for account in ACCOUNTS},
        ).values_list("pk", "region_id", "kind")
    }
    held = set(
        Membership.objects.filter(user__in=users.values()).values_list("user_id", "body_id", "role")
    )
    new = []
    for account in ACCOUNTS:
        user = users[account.username]
        body = bodies[(account.region, account.kind.value)]
        for role in account.roles:
            if (user.pk, body, role.value) not in held:
                new.append(
                    Membership(
                        user=user,
                        body_id=body,
                        role=role,
                        counts_as_centre_staff=account.kind == BodyKind.TOWN_CENTRE,
                    )
                )
    Membership.objects.bulk_create(new)  # audit-exempt: demo data loading
    return len(missing), len(new)


def demo_load_foundation() -> FoundationResult:
    """Load Shaoxing's divisions, bodies, department types and the demo accounts."""
    with transaction.atomic():
        result = FoundationResult(regions=regions_import(path=ZHEJIANG, within="3306"))
        low, high = code_span(SHAOXING, Level.CITY)
        units = list(Region.objects.filter(code__range=(low, high)).order_by("code"))
        villages = Counter(
            unit.parent_id for unit in units if unit.level == Level.VILLAGE and unit.parent_id
        )
        towns = [unit for unit in units if unit.level == Level.TOWN]
        result.towns_classified = _classify_towns(towns, villages)
        types, result.department_types_added = _department_types()
        result.bodies_added = _bodies(units, types)
        result.accounts_added, result.memberships_added = _accounts()
    return result
