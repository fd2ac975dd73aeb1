"""What happens to a dispute and when: the proportions (categories, channels, how far up it
goes, declines, reopenings), the seasons and the weight of each day, office hours and the
clock of working days, the parties and facts drawn for a dispute, and its story — which moves
it makes in which order — played on a _Case."""

from __future__ import annotations

import contextlib
import math
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from jiefen.demo.synthetic.case import _Case, _Rows, _Stop
from jiefen.demo.synthetic.vocabulary import (
    CHANNEL,
    DECLINE_REASONS,
    ELSEWHERE,
    INDUSTRIES,
    KIND,
    OUTCOME,
    PLACES,
    PROGRESS_WORDS,
    REPORT_REASONS,
    RISK,
    ROUTE,
    ROUTES,
    SIDE,
    STORIES,
    TERMS,
    TIER,
    TRANSFER_REASONS,
    _int,
    _one,
    _pick,
    credit_code,
    mobile,
    person_name,
    resident_id,
)
from jiefen.demo.synthetic.world import _Village, _World
from jiefen.disputes.models import Party
from jiefen.disputes.services import MASS_THRESHOLD
from jiefen.lib.workdays import WorkCalendar

# --- proportions --------------------------------------------------------------------------------

# Share of registrations by category (people's mediation statistics, rounded), in per cent.
CATEGORY_SHARE = {
    "neighbourhood": 24.0,
    "marriage_family": 14.0,
    "housing_land": 10.0,
    "contract": 9.0,
    "damages": 9.0,
    "labour": 9.0,
    "traffic": 5.0,
    "forest_land": 4.0,
    "property_mgmt": 4.0,
    "other": 4.0,
    "consumer": 2.5,
    "village_affairs": 2.5,
    "land_requisition": 1.5,
    "environment": 1.0,
    "medical": 1.0,
}
CHANNELS = (
    (CHANNEL.WALK_IN, 40),
    (CHANNEL.SCREENING, 25),
    (CHANNEL.PHONE, 12),
    (CHANNEL.ONLINE, 10),
    (CHANNEL.HOTLINE, 8),
    (CHANNEL.REFERRAL, 5),
)
DECLINED = 0.02
# Where the disputes that are accepted end up.
REACH_TOWN = 0.153  # 15 % of all
REACH_COUNTY = 0.031  # 3 % of all
LATE_TRANSFER = 0.04
RETURNED = 0.02  # of transfers to a town
AGREEMENT = 0.955
REOPENED = 0.012
STALLED = 0.003  # left open for months: the clean-up campaign's work
MASS_SHARE = {"labour": 0.05, "land_requisition": 0.12, "environment": 0.10, "property_mgmt": 0.04}
# Spring Festival (正月初一): wage arrears peak in the weeks before it.
SPRING_FESTIVAL = {
    2004: (1, 22), 2005: (2, 9), 2006: (1, 29), 2007: (2, 18), 2008: (2, 7), 2009: (1, 26),
    2010: (2, 14), 2011: (2, 3), 2012: (1, 23), 2013: (2, 10), 2014: (1, 31), 2015: (2, 19),
    2016: (2, 8), 2017: (1, 28), 2018: (2, 16), 2019: (2, 5), 2020: (1, 25), 2021: (2, 12),
    2022: (2, 1), 2023: (1, 22), 2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6),
    2028: (1, 26), 2029: (2, 13), 2030: (2, 3), 2031: (1, 23), 2032: (2, 11), 2033: (1, 31),
    2034: (2, 19), 2035: (2, 8),
}  # fmt: skip
AMOUNTS = {
    "labour": (12000, 0.9, 1.0),
    "contract": (30000, 1.2, 1.0),
    "damages": (8000, 1.0, 1.0),
    "traffic": (15000, 0.9, 1.0),
    "consumer": (2500, 0.8, 1.0),
    "medical": (60000, 0.8, 1.0),
    "land_requisition": (150000, 1.0, 0.8),
    "housing_land": (30000, 1.0, 0.4),
    "marriage_family": (40000, 1.0, 0.2),
    "forest_land": (8000, 0.8, 0.2),
    "property_mgmt": (6000, 0.8, 0.5),
    "other": (5000, 1.0, 0.5),
}
ORGANISATION_RESPONDENT = {
    "labour": 0.8, "property_mgmt": 0.9, "consumer": 0.8, "medical": 0.9, "environment": 0.8,
    "contract": 0.35, "land_requisition": 0.4,
}  # fmt: skip


# --- time ---------------------------------------------------------------------------------------


def office_time(rng: random.Random, day: date) -> datetime:
    """A moment of the working day: 8:30–11:45 or 13:30–17:30, local time."""
    if rng.random() < 0.58:
        minute = 8 * 60 + 30 + int(rng.random() * 195)
    else:
        minute = 13 * 60 + 30 + int(rng.random() * 240)
    hour, minute = divmod(minute, 60)
    # Naive local time while playing; made aware (or UTC text) when written.
    return datetime(day.year, day.month, day.day, hour, minute, int(rng.random() * 60))  # noqa: DTZ001


class _Clock:
    def __init__(self, rng: random.Random, calendar: WorkCalendar) -> None:
        self.rng, self.calendar = rng, calendar

    def after(self, at: datetime, working_days: int) -> datetime:
        """At office hours `working_days` after `at`; for 0, a little later the same day, or the
        next working morning when the day is over."""
        if working_days <= 0:
            later = at + timedelta(minutes=_int(self.rng, 10, 119))
            if later.date() == at.date() and later.hour < 18:
                return later
            working_days = 1
        return office_time(self.rng, self.calendar.add(at.date(), working_days))


# --- the story of one dispute ------------------------------------------------------------------


def _amount(rng: random.Random, category: str, people: int) -> Decimal | None:
    spec = AMOUNTS.get(category)
    if spec is None or rng.random() >= spec[2]:
        return None
    median, spread, _share = spec
    value = median * math.exp(rng.gauss(0, spread))
    if category == "labour" and people > 2:
        value *= people * 0.6
    value = min(max(value, 200), 50_000_000)
    step = 100 if value >= 2000 else 10
    return Decimal(int(value / step) * step).quantize(Decimal("0.01"))


def _people(rng: random.Random, category: str) -> int:
    if rng.random() < MASS_SHARE.get(category, 0.002):
        return min(int(MASS_THRESHOLD + rng.expovariate(1 / 22)), 400)
    return _pick(rng, ((2, 62), (3, 17), (4, 8), (5, 5), (6, 3), (7, 2), (8, 2), (9, 1)))


def _parties(rng: random.Random, category: str, case: _Case, year: int) -> list[str]:
    """The party rows of `case`; returns their names, applicant first, respondent second."""
    village, rows = case.v, case.r
    county = str(village.county_code)[:6]
    sides = [SIDE.APPLICANT, SIDE.RESPONDENT]
    extra = rng.random()
    if extra < 0.10:
        sides.append(SIDE.THIRD)
    elif extra < 0.22:
        sides.append(SIDE.AGENT)
    names = []
    for side in sides:
        org_share = ORGANISATION_RESPONDENT.get(category, 0.03) if side == SIDE.RESPONDENT else 0
        if rng.random() < org_share:
            place = village.town[:2] if rng.random() < 0.6 else "绍兴"
            trade = {"property_mgmt": "物业服务"}.get(category) or _one(rng, INDUSTRIES)
            name = f"{place}{person_name(rng)[1:]}{trade}有限公司"
            if category == "medical":
                name = f"{village.town}卫生院"
            phone = f"0575-8{int(rng.random() * 10**7):07d}" if rng.random() < 0.8 else ""
            serial = f"{int(rng.random() * 10**8):08d}"
            ident = credit_code(county, serial) if rng.random() < 0.8 else ""
            address = f"{village.town}工业区{_int(rng, 1, 80)}号"
            kind = KIND.ORGANISATION
        else:
            name = person_name(rng)
            has_phone = {SIDE.APPLICANT: 0.96, SIDE.RESPONDENT: 0.65}.get(side, 0.5)
            phone = mobile(rng) if rng.random() < has_phone else ""
            has_id = {SIDE.APPLICANT: 0.7, SIDE.RESPONDENT: 0.35}.get(side, 0.3)
            ident = ""
            if rng.random() < has_id:
                prefix = county
                if category == "labour" and rng.random() < 0.6:
                    prefix = _one(rng, ELSEWHERE)
                born = date(year - _int(rng, 20, 80), _int(rng, 1, 12), _int(rng, 1, 28))
                ident = resident_id(prefix, born, int(rng.random() * 1000))
            address = f"{village.town}{village.name}{_int(rng, 1, 12)}组{_int(rng, 1, 99)}号"
            kind = KIND.PERSON
        # Encrypted when written.
        party = (rows.take_id(Party), case.pk, side, kind, name, phone, ident, address, None)
        rows.rows[Party].append(party)
        names.append(name)
    return names


class _Story:
    """Draws one dispute's facts and plays its moves up to `now` (see _play)."""

    def __init__(
        self,
        world: _World,
        rows: _Rows,
        rng: random.Random,
        village: _Village,
        category: str,
        registered: datetime,
        now: datetime,
    ) -> None:
        self.w, self.rng, self.category = world, rng, category
        self.clock = _Clock(rng, world.calendar)
        case = self.case = _Case(world, rows, village, registered, now)
        names = _parties(rng, category, case, registered.year)
        self.a, self.b = names[0], names[1]
        case.attendees = "、".join(names)
        people = _people(rng, category)
        mass = people >= MASS_THRESHOLD
        amount = _amount(rng, category, people)
        self.x = f"{amount:,.0f}" if amount is not None else "若干"
        stories = STORIES[category]
        if people < 3:  # "{a}等{n}人" only for groups
            stories = [item for item in stories if "{n}" not in item[1]] or stories
        title, story = _one(rng, stories)
        description = story.format(a=self.a, b=self.b, v=village.name, n=people, x=self.x)
        if rng.random() < 0.3:
            description += "双方多次协商未果，申请调解。"
        case.description = description
        roll = rng.random()
        risk = RISK.ORDINARY
        if mass:
            risk = RISK.MAJOR if roll < 0.25 else RISK.ELEVATED if roll < 0.85 else RISK.ORDINARY
        elif roll < 0.006:
            risk = RISK.MAJOR
        elif roll < 0.05:
            risk = RISK.ELEVATED

        # Where it ends: declined, or resolved in the village, the town or the county.
        roll = rng.random()
        big = mass or risk == RISK.MAJOR
        if roll < DECLINED:
            self.reach = "declined"
        elif roll < DECLINED + REACH_COUNTY * (5 if big else 1) and village.county_body:
            self.reach = TIER.COUNTY
        elif roll < DECLINED + REACH_COUNTY + REACH_TOWN * (3 if big else 1) and village.town_body:
            self.reach = TIER.TOWN
        else:
            self.reach = TIER.VILLAGE
        if self.reach == TIER.VILLAGE:
            complex_, cross_area = rng.random() < 0.015, rng.random() < 0.008
        else:
            complex_, cross_area = rng.random() < 0.75, rng.random() < 0.2
        self.complex = complex_ or cross_area
        case.facts = frozenset(
            {"always", "not_resolved"}
            | ({"complex_or_cross_area"} if self.complex else set())
            | ({"major_or_mass"} if big else set())
        )
        self.stalled = rng.random() < STALLED

        clerk, head = world.staff[village.body]
        registrar = clerk if rng.random() < 0.85 else head
        channel = _pick(rng, CHANNELS)
        case.fixed = (
            rows.number(village.number_prefix, registered.year),
            world.categories[category],
            channel,
            title,
            description,
            people,
            amount,
            risk,
            complex_,
            cross_area,
        )
        case.register(
            registered,
            registrar,
            {
                "category": category,
                "channel": channel,
                "risk": risk,
                "complex": complex_,
                "cross_area": cross_area,
                "mass": mass,
                "parties": len(names),
            },
        )

    def play(self, today: date) -> None:
        with contextlib.suppress(_Stop):
            self._play()
        self.case.flush(today)

    # -- pieces -----------------------------------------------------------------------------

    def _place(self) -> str:
        v = self.case.v
        return PLACES[self.case.tier].format(village=v.name, town=v.town)

    def _sessions(
        self, at: datetime, count: int, first_gap: int | None = None, quick: bool = False
    ) -> datetime:
        """`count` sessions at the holder, the first `first_gap` working days after `at`;
        `quick`: close together, as at a town centre with its seven working days."""
        rng, case = self.rng, self.case
        clerk, head = self.w.staff[case.holder]
        mediators = "、".join(dict.fromkeys([self.w.names[clerk], self.w.names[head]]))
        for i in range(count):
            if i == 0:
                gap = first_gap
                if gap is None and quick:
                    gap = _pick(rng, ((0, 50), (1, 35), (2, 15)))
                elif gap is None:
                    gap = _pick(rng, ((0, 25), (1, 25), (2, 20), (3, 15), (5, 10), (8, 5)))
            else:
                gap = _int(rng, 1, 2) if quick else _int(rng, 2, 8)
            words = _one(rng, PROGRESS_WORDS)
            record = f"调解员分别听取双方陈述，核实了有关情况，宣讲相关法律法规。{words}。"
            recorder = clerk if rng.random() < 0.7 else head
            text = (self._place(), mediators, record, "")
            at = case.session(self.clock.after(at, gap), recorder, text)
        return at

    def _resolve(self, at: datetime, same_day: bool, rate: float = AGREEMENT) -> datetime:
        rng, case = self.rng, self.case
        clerk, _head = self.w.staff[case.holder]
        when = self.clock.after(at, 0 if same_day else _int(rng, 1, 3))
        if rng.random() < rate:
            by = self.w.calendar.add(when.date(), _one(rng, [5, 10, 15, 20]))
            by_text = f"{by.year}年{by.month}月{by.day}日"
            terms = TERMS[self.category].format(
                a=self.a, b=self.b, x=self.x, d=by_text, t="赡养、抚养及财产事项"
            )
            performance = _one(
                rng,
                [
                    "协议签订当日一次性履行完毕",
                    f"于{by_text}前履行完毕",
                    f"分两期履行，首期于协议签订之日支付，余款于{by_text}前付清",
                ],
            )
            agreement = (case.description, terms + "。", performance)
            at = case.resolve(when, clerk, OUTCOME.AGREEMENT, "", agreement)
            self.agreed = True
        else:
            route = ROUTES.get(self.category) or _one(rng, [ROUTE.LITIGATION, ROUTE.OTHER])
            at = case.resolve(when, clerk, OUTCOME.NO_AGREEMENT, route, None)
            self.agreed = False
        return at

    def _aftercare(self, at: datetime, reopen_allowed: bool = True) -> None:
        rng, case = self.rng, self.case
        clerk, head = self.w.staff[case.holder]
        if self.agreed:
            satisfaction = _pick(rng, ((5, 63), (4, 27), (3, 7), (2, 2), (1, 1)))
            held: bool | None = rng.random() < 0.96
        else:
            satisfaction = _pick(rng, ((5, 15), (4, 30), (3, 30), (2, 15), (1, 10)))
            held = None
        reopen = reopen_allowed and rng.random() < REOPENED * (8 if held is False else 0.7)
        at = case.visit(self.clock.after(at, _int(rng, 3, 12)), clerk, satisfaction, held)
        if not reopen or rng.random() < 0.5:
            at = case.close(self.clock.after(at, _int(rng, 0, 3)), clerk)
        if not reopen:
            return
        reason = (
            "回访发现协议未履行，当事人申请重新调解"
            if held is False
            else "当事人对处理结果提出新的异议，经负责人同意重新调处"
        )
        at = case.reopen(self.clock.after(at, _int(rng, 3, 25)), head, reason)
        at = self._sessions(at, _int(rng, 1, 2))
        at = self._resolve(at, True, 0.8)
        self._aftercare(at, reopen_allowed=False)

    def _stall(self, at: datetime) -> datetime:
        return self.clock.after(at, _int(self.rng, 30, 250)) if self.stalled else at

    # -- the whole story ----------------------------------------------------------------------

    def _play(self) -> None:
        rng, case, clock, w = self.rng, self.case, self.clock, self.w
        v = case.v
        clerk, head = w.staff[v.body]
        at = case.registered_at

        if self.reach == "declined":
            reason, route = _one(rng, DECLINE_REASONS)
            when = clock.after(at, _one(rng, [0, 0, 1, 2]))
            case.decline(when, _one(rng, [clerk, head]), reason, route)
            return

        # Complex disputes may go up straight from registration, within three working days.
        direct = self.reach != TIER.VILLAGE and self.complex and rng.random() < 0.4
        if not direct:
            gap = _pick(rng, ((0, 75), (1, 20), (2, 5)))
            at = case.accept(clock.after(at, gap), case.owner or clerk)
        if self.reach == TIER.VILLAGE:
            late = rng.random() < 0.03
            first = _int(rng, 18, 30) if late else None
            at = self._sessions(at, _pick(rng, ((1, 55), (2, 30), (3, 15))), first)
            at = self._resolve(self._stall(at), rng.random() < 0.75)
            self._aftercare(at)
            return

        if self.complex:
            if rng.random() < LATE_TRANSFER:
                gap = _int(rng, 4, 7)
            else:
                gap = _pick(rng, ((0, 30), (1, 35), (2, 25), (3, 10)))
            if not direct and gap > 1 and rng.random() < 0.5:
                at = self._sessions(at, 1, 0)
            at = max(at, clock.after(case.registered_at, gap))
        else:
            at = self._sessions(at, _int(rng, 1, 3))
            if rng.random() < LATE_TRANSFER:
                at = clock.after(at, _int(rng, 15, 25))
        reason = _one(rng, TRANSFER_REASONS["village"])
        at = case.transfer(clock.after(at, 0), _one(rng, [clerk, head]), reason)
        assert v.town_body is not None
        t_clerk, t_head = w.staff[v.town_body]
        if rng.random() < RETURNED:
            reason = "经审查不属于疑难复杂纠纷，退回村调处工作组继续调解"
            at = case.give_back(clock.after(at, _int(rng, 0, 2)), t_head, reason)
            at = self._sessions(at, _int(rng, 1, 2))
            self._aftercare(self._resolve(at, True))
            return
        gap = _pick(rng, ((0, 40), (1, 40), (2, 20)))
        at = case.receive(clock.after(at, gap), _one(rng, [t_clerk, t_head]))
        if self.reach == TIER.TOWN:
            at = self._sessions(at, _pick(rng, ((1, 50), (2, 35), (3, 15))), quick=True)
            department = w.department_for(w.body_region[v.town_body], self.category, rng)
            if department is not None and rng.random() < 0.25:
                at = self._department(at, t_head, department, _int(rng, 3, 5), 0.05)
                at = self._sessions(at, 1, _int(rng, 0, 1))
            at = self._resolve(self._stall(at), rng.random() < 0.7)
            self._aftercare(at)
            return

        # Up to the county joint meeting, usually within the town's seven working days.
        at = self._sessions(at, 1, quick=True)
        gap = _int(rng, 6, 10) if rng.random() < LATE_TRANSFER else _int(rng, 1, 3)
        reason = _one(rng, TRANSFER_REASONS["town"])
        at = case.transfer(clock.after(at, gap), t_head, reason)
        assert v.county_body is not None
        c_clerk, c_head = w.staff[v.county_body]
        at = case.receive(clock.after(at, _int(rng, 0, 3)), c_clerk)
        department = w.department_for(v.county_code, self.category, rng)
        if department is not None and rng.random() < 0.9:
            # Put on the agenda of the monthly meeting, which names the lead department.
            meeting = case.due or clock.calendar.add(at.date(), 10)
            span = max(clock.calendar.between(at.date(), meeting), 0)
            at = clock.after(at, _int(rng, 0, span)) if span else at
            at = self._department(at, c_head, department, _int(rng, 10, 20), 0.1)
        at = self._sessions(at, _int(rng, 1, 2))
        at = self._resolve(self._stall(at), rng.random() < 0.6, 0.85)
        self._aftercare(at)

    def _department(
        self, at: datetime, head: int, department: int, days: int, late_share: float
    ) -> datetime:
        rng, case, clock = self.rng, self.case, self.clock
        at = case.assign(clock.after(at, _int(rng, 0, 1)), head, department, days)
        gap = days + _int(rng, 1, 6) if rng.random() < late_share else _int(rng, 1, days)
        reason = _one(rng, REPORT_REASONS)
        return case.report(clock.after(at, gap), self.w.department_staff[department], reason)


# --- when disputes arise ------------------------------------------------------------------------


def spring_festival(year: int) -> date:
    month, day = SPRING_FESTIVAL.get(year, (2, 5))
    return date(year, month, day)


def season(category: str, day: date) -> float:
    """How much more (or less) often disputes of `category` arise on `day` than on average."""
    festival = spring_festival(day.year)
    if day > festival + timedelta(days=25):
        ahead = (spring_festival(day.year + 1) - day).days
    else:
        ahead = (festival - day).days
    doy = day.timetuple().tm_yday
    if category == "labour":
        if 0 <= ahead <= 14:
            return 4.0  # wage arrears before Spring Festival
        if 14 < ahead <= 49:
            return 1.0 + 3.0 * (49 - ahead) / 35
        if -20 <= ahead < 0:
            return 0.6
        return 1.0
    if category == "marriage_family":
        return 1.6 if -25 <= ahead < 0 else 1.0
    if category == "forest_land":  # spring planting, bamboo shoots and Qingming
        return 1.0 + 1.6 * math.exp(-(((doy - 92) / 22) ** 2))
    if category == "housing_land":
        return 1.0 + 0.5 * math.exp(-(((doy - 100) / 35) ** 2))
    if category == "neighbourhood":
        return 1.2 if day.month in (7, 8) else 1.0
    if category == "traffic":
        return 1.25 if day.month in (12, 1) else 1.0
    return 1.0


def _day_weights(
    start: date, end: date, calendar: WorkCalendar, keys: list[str]
) -> tuple[list[date], list[float], list[list[float]]]:
    """Days, the cumulative weight of each, and per day the cumulative weight of each category."""
    days, cumulative, by_category = [], [], []
    total = 0.0
    shares = [CATEGORY_SHARE.get(key, 0.5) for key in keys]
    day = start
    while day <= end:
        if calendar.is_working_day(day):
            factor = 1.0
        elif 0 <= (day - spring_festival(day.year)).days <= 7:
            factor = 0.04
        else:
            factor = 0.12  # screening finds some on rest days too
        weights, running = [], 0.0
        for key, share in zip(keys, shares, strict=True):
            running += share * season(key, day)
            weights.append(running)
        total += running * factor
        days.append(day)
        cumulative.append(total)
        by_category.append(weights)
        day += timedelta(days=1)
    return days, cumulative, by_category
