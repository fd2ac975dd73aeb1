"""The indicators (考核指标): their exact definitions, formulas and default targets, in one place.

Every figure is a function of a few base counts for a region subtree and a period (`Sums`,
below). The counts come from the rollups (rollups.sums) on every page and export, and from a
raw aggregate over the dispute, event and level-stay tables (raw.sums_raw) for the check and
the benchmark; the formulas here turn either into the same figures. The dashboard shows each
definition and formula next to its figure.

Conventions
- Days are local (Asia/Shanghai) calendar days; a period is a range of days, both ends in.
- A dispute belongs to the region where it arose (its region code), whoever handles it.
- Counts of things that happen (resolutions, ratings, reopenings …) count events: a dispute
  resolved, reopened and resolved again counts twice.
- A rate whose denominator is zero has no value: shown "—", never 0 % or 100 %, and it neither
  meets nor misses its target.
- "At the end of the period" means the end of its last day, or now for a period not over yet.

Honest and information-only indicators
- An indicator may be scored (a target, a criterion of a rating scheme, a rank) only when it
  cannot be improved by registering fewer disputes, by entering fewer people, by declining, or
  by keeping disputes from going up. Every indicator says so in `scored`.
- Counts of disputes registered (received, accepted, mass disputes, open, overdue), the shares
  kept at a level (village_share, town_share) and the reopening rate are information only:
  shown with their formula and trend, never a target, never a scheme criterion, never a rank.
  `information_why` says why, and the dashboard and the scheme page show it.
- The plan's own aims about such counts (fewer collective petitions of 10+ people) are kept in
  PLAN_AIMS as context, with the plan's wording, and are never judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TIERS = ("village", "town", "county")

# The base counts. Each is defined where it is computed (rollups.py, raw.py) exactly as here.
SUM_KEYS = (
    "received",  # disputes registered in the period
    "mass",  # of those, with 10 or more people involved
    "mass_last_year",  # the same, for the same period a year earlier
    "accepted",  # disputes first accepted in the period
    "mediated",  # of those, with a session or a resolution by the end of the period
    "resolved",  # resolutions (resolve events) in the period
    "agreed",  # of those, with an agreement
    "village_registered_resolved",  # resolutions of disputes registered by a village group
    "kept_in_village",  # of those, made at village level
    "at_or_below_town",  # resolutions made at village or town level
    "ratings",  # ratings given in the period: return-visit satisfaction and parties' scores
    "ratings_good",  # of those, 4 or 5 (out of 5)
    "reopened",  # reopen events in the period
    "closed",  # close events in the period
    "open_end",  # disputes open at the end of the period
    "overdue_end",  # of those, past their deadline
    *(f"deadlines_{what}_{tier}" for tier in TIERS for what in ("due", "met")),
    "deadlines_due",  # level deadlines that fell due in the period (all levels)
    "deadlines_met",  # of those, met
)


class Sums(dict):
    """Base counts by key; a missing key is zero."""

    def __missing__(self, key: str) -> int:
        if key not in SUM_KEYS:
            raise KeyError(key)
        return 0

    def complete(self) -> Sums:
        """With the all-levels deadline totals filled in from the per-level ones."""
        self["deadlines_due"] = sum(self[f"deadlines_due_{t}"] for t in TIERS)
        self["deadlines_met"] = sum(self[f"deadlines_met_{t}"] for t in TIERS)
        return self

    def as_dict(self) -> dict[str, int]:
        return {key: int(self[key]) for key in SUM_KEYS}


@dataclass(frozen=True)
class Target:
    """`value` is a share (0–1) for rates. `direction`: "at_least" or "at_most" the value, or
    "fall": fewer than in the same period last year (or none at all)."""

    value: Fraction | None
    direction: str

    def describe(self) -> str:
        if self.direction == "fall":
            return str(_("同比下降"))
        assert self.value is not None
        percent = self.value * 100
        shown = f"{float(percent):g}%"
        if self.direction == "at_most":
            return "≤ " + shown
        return shown if self.value == 1 else "≥ " + shown


# Default targets of the city plan — the one place they are written down. The evaluation
# office sets others per region level and year (evaluation.Target); evaluation.targets looks
# them up and falls back to these.
TARGETS: dict[str, Target] = {
    "mediation_rate": Target(Fraction(1), "at_least"),
    "success_rate": Target(Fraction(92, 100), "at_least"),
    "satisfaction": Target(Fraction(85, 100), "at_least"),
}

# The plan's aims about information-only counts, in its own words: shown next to the figure as
# context, never a target (see the module docstring).
PLAN_AIMS: dict[str, Promise] = {
    "mass": _("规划要求：10人以上集体访逐年下降。本系统只显示此数及其趋势，不作为目标或考核项目："
              "群体性纠纷是否登记、登记多少人由登记人决定，为它计分会奖励少登记。"),
}  # fmt: skip

# Why an indicator is information only, by kind (see Indicator.information_why).
_COUNT_WHY = _("件数随登记多少而变：少登记就能“改善”，所以只作参考，不设目标、不计分、不排名。")
_KEPT_WHY = _(
    "少往上移送就能“改善”，会奖励把纠纷压在本级，所以只作参考，不设目标、不计分、不排名。"
)
_REOPEN_WHY = _(
    "少重启就能“改善”，会奖励不理会当事人的再次要求，所以只作参考，不设目标、不计分、不排名。"
)


@dataclass(frozen=True)
class Indicator:
    key: str
    name: Promise
    definition: Promise
    numerator: str
    denominator: str | None = None  # None: a count, not a rate
    unit: str = "rate"  # rate | count
    # May it be a target, a scheme criterion or a rank? Only when fewer disputes filed, fewer
    # people entered, a decline or keeping a dispute down cannot improve it.
    scored: bool = False
    information_why: Promise | None = None

    @property
    def target(self) -> Target | None:
        """The plan's default target; the one in force for a level and year comes from
        evaluation.targets.targets_for and travels with each Figure. Information-only
        indicators never have one."""
        return TARGETS.get(self.key) if self.scored else None

    @property
    def plan_aim(self) -> Promise | None:
        return PLAN_AIMS.get(self.key)


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "received",
        _("登记数"),
        _("本期登记的纠纷件数（登记时间在本期内）。"),
        "received",
        unit="count",
        information_why=_COUNT_WHY,
    ),
    Indicator(
        "accepted",
        _("受理数"),
        _(
            "本期受理的纠纷件数：首次受理时间在本期内。受理、接收移送、退回或记录调解时"
            "尚未受理的，此时计为受理。与调处率的分母相同。"
        ),
        "accepted",
        unit="count",
        information_why=_COUNT_WHY,
    ),
    Indicator(
        "mediation_rate",
        _("调处率"),
        _("本期受理的纠纷中，至期末已开始调解（有调解记录）或已办结的件数 ÷ 本期受理的纠纷件数。"),
        "mediated",
        "accepted",
        scored=True,
    ),
    Indicator(
        "success_rate",
        _("调处成功率"),
        _("本期办结中达成调解协议的次数 ÷ 本期办结次数（达成与未达成协议的合计）。"),
        "agreed",
        "resolved",
        scored=True,
    ),
    Indicator(
        "on_time_rate",
        _("按时办理率"),
        _(
            "层级时限按时的个数 ÷ 本期到期的层级时限个数。纠纷在每一级（村、乡镇、县）"
            "各有一个本级时限；在时限当天或之前离开本级（移送、办结、不予受理）为按时。"
            "分母为时限在本期内且已离开本级或已过期的；尚未到期也未离开的不计入。"
        ),
        "deadlines_met",
        "deadlines_due",
        scored=True,
    ),
    *(
        Indicator(
            f"on_time_rate_{tier}",
            name,
            _("同“按时办理率”，只计该层级的时限。"),
            f"deadlines_met_{tier}",
            f"deadlines_due_{tier}",
            scored=True,
        )
        for tier, name in (
            ("village", _("村级按时率")),
            ("town", _("乡镇级按时率")),
            ("county", _("县级按时率")),
        )
    ),
    Indicator(
        "village_share",
        _("村级化解率（小事不出村）"),
        _(
            "由村（社区）调处工作组登记、并在村级办结的次数 ÷ 由村（社区）调处工作组登记的"
            "纠纷的办结次数，均计本期办结。移送后退回村里办结的也算在村级办结。"
        ),
        "kept_in_village",
        "village_registered_resolved",
        information_why=_KEPT_WHY,
    ),
    Indicator(
        "town_share",
        _("镇级以下化解率（大事不出镇）"),
        _("在村级或乡镇级办结的次数 ÷ 本期全部办结次数。"),
        "at_or_below_town",
        "resolved",
        information_why=_KEPT_WHY,
    ),
    Indicator(
        "satisfaction",
        _("群众满意率"),
        _(
            "本期评价中 4 分或 5 分（满分 5 分）的个数 ÷ 本期全部评价个数。评价包括回访时"
            "记录的满意度和当事人自己给出的评分。"
        ),
        "ratings_good",
        "ratings",
        scored=True,
    ),
    Indicator(
        "mass",
        _("群体性纠纷（10人以上）"),
        _(
            "本期登记的涉及 10 人以上的纠纷件数，与上年同期比较。只作参考：不设目标、不计分、"
            "不排名；任何人申请调解或要求上移都不受影响。"
        ),
        "mass",
        unit="count",
        information_why=_COUNT_WHY,
    ),
    Indicator(
        "overdue_open",
        _("超期未办结"),
        _(
            "期末仍未办结、且已过当时办理时限的纠纷件数（期末：本期最后一天结束时；"
            "本期尚未结束的，为现在）。时限以每次办理记录中登记的时限为准。"
        ),
        "overdue_end",
        unit="count",
        information_why=_COUNT_WHY,
    ),
    Indicator(
        "open",
        _("在办"),
        _("期末仍未办结的纠纷件数（已登记、已受理、调解中、移送中、已交办）。"),
        "open_end",
        unit="count",
        information_why=_COUNT_WHY,
    ),
    Indicator(
        "reopen_rate",
        _("重启率"),
        _("本期重启次数 ÷ 本期结案次数。"),
        "reopened",
        "closed",
        information_why=_REOPEN_WHY,
    ),
)
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}

# What the tiles, the ranking and the export show, in order.
TILES = (
    "received",
    "accepted",
    "mediation_rate",
    "success_rate",
    "on_time_rate",
    "village_share",
    "town_share",
    "satisfaction",
    "mass",
    "overdue_open",
    "reopen_rate",
)
# The columns of the table of sub-regions, in order; only the scored ones may be sorted by
# (RANKED), the others are shown for information.
COLUMNS = (
    "received",
    "mediation_rate",
    "success_rate",
    "on_time_rate",
    "village_share",
    "town_share",
    "satisfaction",
    "mass",
    "overdue_open",
    "reopen_rate",
)
RANKED = tuple(key for key in COLUMNS if BY_KEY[key].scored)
SCORED = tuple(indicator.key for indicator in INDICATORS if indicator.scored)


def share(numerator: int, denominator: int) -> Fraction | None:
    """numerator ÷ denominator, or None when there is nothing to divide by."""
    return Fraction(numerator, denominator) if denominator else None


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    value: Fraction | int | None
    numerator: int
    denominator: int | None
    met: bool | None  # None: no target, or no value
    change: int | None = None  # mass disputes: against the same period last year
    last_year: int | None = None
    target: Target | None = None  # the target `met` was judged against

    @property
    def key(self) -> str:
        return self.indicator.key

    @property
    def display(self) -> str:
        return display(self.value, self.indicator.unit)

    @property
    def sort_value(self) -> float | None:
        return None if self.value is None else float(self.value)


def display(value: Fraction | int | None, unit: str = "rate") -> str:
    """A rate as a percentage with one decimal (never rounded up to 100 % or down to 0 %
    when it is not), a count as a whole number, no value as "—"."""
    if value is None:
        return "—"
    if unit == "count":
        return f"{int(value):,}"
    percent = Fraction(value) * 100
    shown = round(percent, 1)
    if shown == 100 and percent < 100:
        shown = Fraction(999, 10)
    if shown == 0 and percent > 0:
        shown = Fraction(1, 10)
    return f"{float(shown):.1f}%"


def _met(
    target: Target | None, value: Fraction | int | None, sums: Mapping[str, int]
) -> bool | None:
    if target is None or value is None:
        return None
    if target.direction == "fall":
        return int(value) == 0 or int(value) < sums["mass_last_year"]
    assert target.value is not None
    if target.direction == "at_most":
        return value <= target.value
    return value >= target.value


def evaluate(
    sums: Mapping[str, int],
    keys: tuple[str, ...] | None = None,
    targets: Mapping[str, Target | None] | None = None,
) -> dict[str, Figure]:
    """The figures of `keys` (default: all) from the base counts, judged against `targets`
    (by indicator key; default: the plan's defaults)."""
    figures = {}
    for indicator in INDICATORS if keys is None else [BY_KEY[k] for k in keys]:
        target = indicator.target if targets is None else targets.get(indicator.key)
        if not indicator.scored:
            target = None  # information only, whatever a stored target says
        numerator = int(sums[indicator.numerator])
        if indicator.denominator is None:
            value: Fraction | int | None = numerator
            denominator = None
        else:
            denominator = int(sums[indicator.denominator])
            value = share(numerator, denominator)
        extra = {}
        if indicator.key == "mass":
            extra = {
                "last_year": int(sums["mass_last_year"]),
                "change": numerator - int(sums["mass_last_year"]),
            }
        figures[indicator.key] = Figure(
            indicator,
            value,
            numerator,
            denominator,
            _met(target, value, sums),
            target=target,
            **extra,
        )
    return figures
