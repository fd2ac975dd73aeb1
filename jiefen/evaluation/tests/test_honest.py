"""No reward for fewer disputes: every indicator says whether it may be scored, the services
refuse an information-only one as a target or a criterion, and declining does not lift the
mass-dispute veto."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jiefen.evaluation import demo, selectors
from jiefen.evaluation.models import Criterion, CriterionKind, Direction, Target
from jiefen.evaluation.targets import indicator_choices, targets_for
from jiefen.evaluation.tests.conftest import TODAY, criterion, make_scheme
from jiefen.metrics.indicators import COLUMNS, INDICATORS, RANKED, SCORED, SUM_KEYS, evaluate
from jiefen.regions.models import Level

# What the product promises never to score (DESIGN.md, "What jiefen will not be").
INFORMATION_ONLY = {
    "received",  # disputes registered
    "accepted",
    "mass",  # mass disputes registered
    "village_share",  # kept at village level
    "town_share",  # kept at or below town level
    "open",
    "overdue_open",
    "reopen_rate",
}
# Base counts that fall when fewer disputes are registered, fewer people are entered, fewer
# go up or fewer come back: no scored indicator may be built on them.
FEWER_IS_BETTER = {
    "received",
    "mass",
    "mass_last_year",
    "open_end",
    "overdue_end",
    "kept_in_village",
    "village_registered_resolved",
    "at_or_below_town",
    "reopened",
}


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.key)
def test_it_walks_every_indicator(indicator, db):
    choices = dict(indicator_choices(with_target_only=True))
    if indicator.key in INFORMATION_ONLY or indicator.unit == "count":
        assert not indicator.scored
        assert indicator.information_why
        assert indicator.target is None
        assert indicator.key not in RANKED and indicator.key not in choices
        with pytest.raises(ValidationError) as refused:
            Criterion(
                name="x", kind=CriterionKind.INDICATOR, weight=Decimal(10), indicator=indicator.key
            ).clean()
        assert "只作参考" in refused.value.message_dict["indicator"][0]
        with pytest.raises(ValidationError) as refused:
            Target(
                indicator=indicator.key, level=Level.TOWN, year=2026,
                value=Decimal(1), direction=Direction.AT_LEAST,
            ).clean()  # fmt: skip
        assert "只作参考" in refused.value.message_dict["indicator"][0]
    else:
        assert indicator.scored and indicator.unit == "rate"
        assert indicator.key in choices
        assert indicator.key in RANKED or indicator.key not in COLUMNS
        assert indicator.numerator not in FEWER_IS_BETTER
        assert indicator.denominator not in FEWER_IS_BETTER


def test_no_scored_figure_improves_when_fewer_disputes_are_filed():
    many = {key: 40 for key in SUM_KEYS}
    fewer = dict(many, received=10, mass=0, open_end=5, overdue_end=0)
    before, after = evaluate(many), evaluate(fewer)
    for key in SCORED:
        assert before[key].value == after[key].value


def test_a_stored_target_of_an_information_only_indicator_is_ignored(db):
    Target.objects.update_or_create(
        indicator="village_share", level=Level.TOWN, year=2026,
        defaults={"value": Decimal(90), "direction": Direction.AT_LEAST},
    )  # fmt: skip
    assert targets_for(Level.TOWN, 2026)["village_share"] is None


def test_a_criterion_on_the_mass_count_is_never_counted_and_says_why(world, march):
    s = make_scheme(world)
    criterion(s, "调处成功率", CriterionKind.INDICATOR, weight=50, indicator="success_rate")
    # Saved before the rule (or past the services): shown, refused, not counted.
    criterion(s, "群体性纠纷同比下降", CriterionKind.INDICATOR, weight=50, indicator="mass")
    fengqiao = world.regions["枫桥镇"]
    rating = selectors.rate_towns(fengqiao, 2026, TODAY)[fengqiao.code]
    mass = next(line for line in rating.lines if line.criterion.indicator == "mass")
    assert mass.points is None and "只作参考" in mass.detail
    success = next(line for line in rating.lines if line.criterion.indicator == "success_rate")
    assert rating.total == success.points  # the mass line carries no weight


def test_the_demo_scheme_scores_only_honest_indicators():
    keys = [key for _n, kind, _w, key, _c in demo.CRITERIA if kind == CriterionKind.INDICATOR]
    assert keys and set(keys) <= set(SCORED)


def test_the_scheme_page_explains_what_is_scored(client, world, scheme, city_evaluator):
    client.force_login(city_evaluator)
    page = client.get("/evaluation/ratings/", {"region": world.regions["诸暨市"].code,
                                               "year": 2026})  # fmt: skip
    text = page.content.decode()
    assert page.status_code == 200
    assert "哪些指标计分，哪些只作参考" in text and "10人以上集体访逐年下降" in text


def test_the_dashboard_shows_the_plan_aim_as_context_not_a_target(client, march, town_head):
    client.force_login(town_head)
    page = client.get(
        "/metrics/", {"region": "330681109000", "period": "month", "on": "2026-03-01"}
    )
    text = page.content.decode()
    assert "规划要求：10人以上集体访逐年下降" in text
    assert "仅供参考，不设目标" in text
