"""The world the disputes happen in, read once from the database: the villages with a village
group and the town and county bodies above them, the departments, the staff who act for each
body (with stand-in accounts where a body has none), the categories, the calendar, and the
deadline rules, looked up up front."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from jiefen.accounts.models import User
from jiefen.calendars.services import calendar_current
from jiefen.demo.services import village_short_name
from jiefen.demo.synthetic.vocabulary import person_name
from jiefen.disputes.models import Category, Tier
from jiefen.lib.workdays import WorkCalendar
from jiefen.org.models import Body, BodyKind, Membership, Role
from jiefen.regions.models import Level, Region, code_span, short_code
from jiefen.rules.services import due_date, rule_for


@dataclass
class _Village:
    code: int
    name: str
    town: str  # name
    county_code: int
    body: int
    town_body: int | None
    county_body: int | None
    number_prefix: str


@dataclass
class _Department:
    body: int
    matters: frozenset[str]


@dataclass
class _World:
    calendar: WorkCalendar
    villages: list[_Village]
    categories: dict[str, int]
    # body id → (clerk, head): users holding CLERK and HEAD roles there.
    staff: dict[int, tuple[int, int]]
    department_staff: dict[int, int]
    names: dict[int, str]
    departments: dict[int, list[_Department]]  # by region code of the town or county
    body_region: dict[int, int]
    staff_added: int = 0
    # (tier, trigger, facts) → the winning rule as (key, days, day kind, action), or None.
    _rules: dict[tuple[str, str, frozenset[str]], tuple | None] = field(default_factory=dict)
    _dues: dict[tuple[str, date], tuple[date, str, str]] = field(default_factory=dict)

    def prepare(self) -> None:
        """Look up every rule the disputes can need now, so that playing them reads nothing
        from the database (rule_for checks the rules' stamp on each call)."""
        extra = ({"complex_or_cross_area"}, {"major_or_mass"})
        for tier in Tier.values:
            for trigger in ("registered", "arrived", "accepted"):
                for with_complex in (False, True):
                    for with_major in (False, True):
                        facts = frozenset(
                            {"always", "not_resolved"}
                            | (extra[0] if with_complex else set())
                            | (extra[1] if with_major else set())
                        )
                        rule = rule_for(tier=tier, trigger=trigger, facts=facts)
                        self._rules[(tier, trigger, facts)] = (
                            None
                            if rule is None
                            else (
                                rule.key,
                                rule.days,
                                rule.day_kind,
                                rule.action,
                            )
                        )

    def due(
        self, tier: str, trigger: str, facts: frozenset[str], start: date
    ) -> tuple[date, str, str] | None:
        """deadlines.deadline_for's rule_for and due_date, remembered: both are pure."""
        rule = self._rules[(tier, trigger, facts)]
        if rule is None:
            return None
        found = self._dues.get((rule[0], start))
        if found is None:
            key, days, day_kind, action = rule
            day = due_date(start=start, days=days, day_kind=day_kind, calendar=self.calendar)
            found = self._dues[(key, start)] = (day, action, key)
        return found

    def department_for(self, region: int, category: str, rng: random.Random) -> int | None:
        candidates = self.departments.get(region, [])
        if not candidates:
            return None
        fitting = [d for d in candidates if category in d.matters] or candidates
        return fitting[int(rng.random() * len(fitting))].body


STAFF_ROLES = {
    # body kind → ((slot, roles), ...): who registers and mediates, who heads.
    BodyKind.VILLAGE_GROUP: (
        ("clerk", (Role.CLERK, Role.MEDIATOR)),
        ("head", (Role.HEAD, Role.MEDIATOR)),
    ),
    BodyKind.TOWN_CENTRE: (
        ("clerk", (Role.CLERK, Role.MEDIATOR)),
        ("head", (Role.HEAD, Role.MEDIATOR)),
    ),
    BodyKind.COUNTY_MEETING: (("clerk", (Role.CLERK,)), ("head", (Role.HEAD,))),
    BodyKind.DEPARTMENT: (("clerk", (Role.CLERK,)),),
}
SLOT_ROLE = {"clerk": Role.CLERK, "head": Role.HEAD}
CHUNK = 500  # stand-in accounts or roles per transaction


def _load_world(within: Region | None) -> _World:
    low, high = within.span if within is not None else (0, 10**12)
    villages_q = Body.objects.filter(
        kind=BodyKind.VILLAGE_GROUP,
        active=True,
        region__level=Level.VILLAGE,
        region_code__range=(low, high),
    )
    rows = list(
        villages_q.order_by("region_code", "name").values_list(
            "pk", "region_code", "region__name", "region__parent_id"
        )
    )
    tier_bodies: dict[tuple[str, int], int] = {}
    for pk, kind, region in (
        Body.objects.filter(active=True, kind__in=[BodyKind.TOWN_CENTRE, BodyKind.COUNTY_MEETING])
        .order_by("region_code", "kind", "name")
        .values_list("pk", "kind", "region_id")
    ):
        tier_bodies.setdefault((kind, region), pk)  # the first, like services.next_body
    towns = {
        code: (name, parent)
        for code, name, parent in Region.objects.filter(
            code__in={parent for *_, parent in rows if parent is not None}
        ).values_list("code", "name", "parent_id")
    }
    villages: list[_Village] = []
    seen: set[int] = set()
    for pk, code, name, parent in rows:
        if code in seen or parent not in towns:
            continue  # one group per village (a unique constraint), and a town above it
        seen.add(code)
        town_name, county = towns[parent]
        town_body = tier_bodies.get((BodyKind.TOWN_CENTRE, parent))
        county_body = tier_bodies.get((BodyKind.COUNTY_MEETING, county)) if county else None
        villages.append(
            _Village(
                code=code,
                name=village_short_name(name),
                town=town_name,
                county_code=county or 0,
                body=pk,
                town_body=town_body,
                county_body=county_body if town_body else None,
                number_prefix=short_code(code_span(code, Level.TOWN)[0], Level.TOWN),
            )
        )
    involved_towns = {code_span(v.code, Level.TOWN)[0] for v in villages}
    involved_counties = {v.county_code for v in villages}
    departments: dict[int, list[_Department]] = {}
    department_bodies: list[tuple[int, int, str]] = []
    for pk, region, matters, type_key in (
        Body.objects.filter(
            kind=BodyKind.DEPARTMENT,
            active=True,
            region_id__in=sorted(involved_towns | involved_counties),
        )
        .order_by("region_code", "department_type__key", "pk")
        .values_list("pk", "region_id", "department_type__matters", "department_type__key")
    ):
        keys = frozenset(m.strip() for m in (matters or "").split(",") if m.strip())
        departments.setdefault(region, []).append(_Department(pk, keys))
        department_bodies.append((pk, region, type_key))

    tier_needed: list[tuple[int, str, int]] = []  # (body, kind, region)
    for v in villages:
        tier_needed.append((v.body, BodyKind.VILLAGE_GROUP, v.code))
    for (kind, region), pk in sorted(tier_bodies.items(), key=lambda item: item[1]):
        if (kind == BodyKind.TOWN_CENTRE and region in involved_towns) or (
            kind == BodyKind.COUNTY_MEETING and region in involved_counties
        ):
            tier_needed.append((pk, kind, region))
    staff, department_staff, names, added = _staff(tier_needed, department_bodies)
    calendar = calendar_current()
    categories = dict(Category.objects.filter(active=True).values_list("key", "pk"))
    body_region = {pk: region for pk, _kind, region in tier_needed}
    body_region.update({pk: region for pk, region, _key in department_bodies})
    return _World(
        calendar=calendar,
        villages=villages,
        categories=categories,
        staff=staff,
        department_staff=department_staff,
        names=names,
        departments=departments,
        body_region=body_region,
        staff_added=added,
    )


def _staff(
    tier: list[tuple[int, str, int]], departments: list[tuple[int, int, str]]
) -> tuple[dict[int, tuple[int, int]], dict[int, int], dict[int, str], int]:
    """The staff who act for each body: its own members where it has some with the role, and
    otherwise a stand-in account (no usable password; not counted as centre staff)."""
    members: dict[tuple[int, str], list[tuple[str, int]]] = {}
    for body, role, user, username in Membership.objects.filter(
        user__is_active=True, body__active=True, role__in=[Role.CLERK, Role.HEAD]
    ).values_list("body_id", "role", "user_id", "user__username"):
        members.setdefault((body, role), []).append((username, user))
    wanted: list[tuple[str, int, str, tuple[str, ...]]] = []  # (username, body, slot, roles)
    for body, kind, region in tier:
        for slot, roles in STAFF_ROLES[BodyKind(kind)]:
            wanted.append((f"syn-{region}-{slot}", body, slot, roles))
    for body, region, type_key in departments:
        wanted.append((f"syn-{region}-{type_key}", body, "clerk", (Role.CLERK,)))
    missing = [w for w in wanted if (w[1], SLOT_ROLE[w[2]]) not in members]
    existing = dict(User.objects.filter(username__startswith="syn-").values_list("username", "pk"))
    new_users = []
    for username, *_rest in missing:
        if username not in existing:
            rng = random.Random(username)
            new_users.append(
                User(username=username, full_name=person_name(rng), password="!synthetic")
            )
    # In short transactions (the site may be serving meanwhile); a run stopped half-way finds
    # what it made and adds the rest.
    for chunk in range(0, len(new_users), CHUNK):
        with transaction.atomic():
            # audit-exempt: demo data loading
            User.objects.bulk_create(new_users[chunk : chunk + CHUNK])
    if new_users:
        existing = dict(
            User.objects.filter(username__startswith="syn-").values_list("username", "pk")
        )
    held = set(
        Membership.objects.filter(user__username__startswith="syn-").values_list(
            "user_id", "body_id", "role"
        )
    )
    memberships = [
        Membership(
            user_id=existing[username], body_id=body, role=role, counts_as_centre_staff=False
        )
        for username, body, _slot, roles in missing
        for role in roles
        if (existing[username], body, role) not in held
    ]
    for chunk in range(0, len(memberships), CHUNK):
        with transaction.atomic():
            # audit-exempt: demo data loading
            Membership.objects.bulk_create(memberships[chunk : chunk + CHUNK])
    for username, body, slot, _roles in missing:
        members.setdefault((body, SLOT_ROLE[slot]), []).append((username, existing[username]))
    pick = {key: min(users)[1] for key, users in members.items()}
    staff = {
        body: (pick[(body, Role.CLERK)], pick[(body, Role.HEAD)]) for body, _kind, _region in tier
    }
    department_staff = {body: pick[(body, Role.CLERK)] for body, _region, _key in departments}
    ids = {*department_staff.values()} | {u for pair in staff.values() for u in pair}
    names = {}
    for pk, full_name, username in (
        User.objects.filter(pk__in=sorted(ids)).values_list("pk", "full_name", "username")
        if len(ids) < 900
        else User.objects.values_list("pk", "full_name", "username")
    ):
        names[pk] = full_name or username
    return staff, department_staff, names, len(new_users)
