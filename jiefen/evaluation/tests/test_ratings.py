"""The safe-township rating: weighted score against the scheme's thresholds, capped by vetoes;
a town with a mass dispute unresolved at year end is capped; the city's share progress."""

from decimal import Decimal
from fractions import Fraction

import pytest

from jiefen.evaluation import selectors, services
from jiefen.evaluation.models import CriterionKind, Rating, ShareTarget
from jiefen.evaluation.selectors import indicator_points, rate_towns, rating_of
from jiefen.evaluation.targets import goal
from jiefen.evaluation.tests.conftest import TODAY, at, criterion, make_scheme, register


def score(actor, scheme, town, name, **kwargs):
    item = scheme.criteria.get(name=name)
    kwargs.setdefault("evidence", "年终检查记录")
    return services.assessment_record(actor=actor, criterion=item, town=town, **kwargs)


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (None, Rating.NOT_MET),
        (Decimal("59.99"), Rating.NOT_MET),
        (Decimal("60"), Rating.BASIC),
        (Decimal("79.99"), Rating.BASIC),
        (Decimal("80"), Rating.LEVEL_2),
        (Decimal("90"), Rating.LEVEL_1),
        (Decimal("100"), Rating.LEVEL_1),
    ],
)
def test_the_rating_follows_the_thresholds_stored_in_the_scheme(world, total, expected):
    assert rating_of(total, make_scheme(world)) == expected


def test_indicator_points_follow_the_documented_formula():
    at_least = goal(Decimal(92), "at_least", True)
    assert indicator_points(at_least, Fraction(95, 100)) == 100
    assert indicator_points(at_least, Fraction(46, 100)) == 50
    at_most = goal(Decimal(10), "at_most", True)
    assert indicator_points(at_most, Fraction(15, 100)) == 50
    assert indicator_points(at_most, Fraction(40, 100)) == 0
    fall = goal(None, "fall", False)
    assert indicator_points(fall, Fraction(2), Fraction(3)) == 100
    assert indicator_points(fall, Fraction(3), Fraction(3)) == 0
    assert indicator_points(at_least, None) is None  # no value: left out


def test_the_weighted_score_sets_the_rating(world, scheme, city_evaluator):
    fengqiao = world.regions["枫桥镇"]
    score(city_evaluator, scheme, fengqiao, "平安建设工作", score="85")
    rating = rate_towns(fengqiao, 2026, TODAY)[fengqiao.code]
    assert (rating.total, rating.by_score, rating.rating) == (
        Decimal("85.00"), Rating.LEVEL_2, Rating.LEVEL_2
    )  # fmt: skip
    assert not rating.vetoes


def test_a_recorded_veto_caps_the_rating_at_its_level(world, scheme, city_evaluator):
    fengqiao = world.regions["枫桥镇"]
    score(city_evaluator, scheme, fengqiao, "平安建设工作", score="95")
    score(
        city_evaluator, scheme, fengqiao, "重大责任事故", vetoed=True, reference="诸政〔2026〕8号"
    )
    rating = rate_towns(fengqiao, 2026, TODAY)[fengqiao.code]
    assert (rating.by_score, rating.rating, rating.capped) == (Rating.LEVEL_1, Rating.BASIC, True)
    assert [v.criterion.name for v in rating.vetoes] == ["重大责任事故"]


def test_a_town_with_a_mass_dispute_unresolved_at_year_end_is_capped(
    world, scheme, march, city_evaluator
):
    # D4: 12 people in 永安社区 (枫桥镇), registered 5 Mar 2026, still open.
    fengqiao, diankou = world.regions["枫桥镇"], world.regions["店口镇"]
    for town in (fengqiao, diankou):
        score(city_evaluator, scheme, town, "平安建设工作", score="95")
    ratings = rate_towns(world.regions["诸暨市"], 2026, TODAY)
    assert ratings[fengqiao.code].by_score == Rating.LEVEL_1
    assert ratings[fengqiao.code].rating == Rating.NOT_MET
    assert ratings[diankou.code].rating == Rating.LEVEL_1


def test_a_mass_dispute_resolved_before_year_end_does_not_veto(world, scheme, village_clerk, play):
    fengqiao = world.regions["枫桥镇"]
    d = register(world, village_clerk, when=at(2026, 3, 2), people_involved=20)
    d = play("accept", village_clerk, d, at(2026, 3, 2, 11))
    d = play("resolve", village_clerk, d, at(2026, 3, 20))
    assert selectors.unresolved_mass(fengqiao, 2026) == {}
    # …but one registered in 2025 and resolved only in 2026 was unresolved at the end of 2025.
    old = register(world, village_clerk, when=at(2025, 12, 1), people_involved=11)
    old = play("accept", village_clerk, old, at(2025, 12, 1, 11))
    play("resolve", village_clerk, old, at(2026, 1, 10))
    assert selectors.unresolved_mass(fengqiao, 2025) == {fengqiao.code: 1}


def test_an_indicator_criterion_scores_the_town_against_its_target(world, march):
    s = make_scheme(world)
    criterion(s, "调处成功率", CriterionKind.INDICATOR, weight=100, indicator="success_rate")
    rating = rate_towns(world.regions["枫桥镇"], 2026, TODAY)[world.regions["枫桥镇"].code]
    line = rating.lines[0]
    # 4 of 5 resolutions in 2026 with an agreement (D7 twice): 80 % against ≥ 92 %:
    # 100 × 80 / 92 points.
    assert (line.value, line.target, line.points) == ("80.0%", "≥ 92%", Decimal("86.96"))
    assert rating.rating == Rating.LEVEL_2


def test_an_unscored_office_criterion_counts_zero_and_is_flagged(world, scheme):
    rating = rate_towns(world.regions["枫桥镇"], 2026, TODAY)[world.regions["枫桥镇"].code]
    assert rating.total == 0 and rating.unscored == 1 and rating.rating == Rating.NOT_MET


def test_a_town_outside_any_scheme_of_the_year_is_not_rated(world, scheme):
    assert rate_towns(world.regions["枫桥镇"], 2025, TODAY) == {}


def test_the_city_progress_against_its_share_targets_per_county(world, scheme, city_evaluator):
    ShareTarget.objects.create(region=world.regions["绍兴市"], year=2026, rating=Rating.BASIC,
                               share=Decimal(100))  # fmt: skip
    ShareTarget.objects.create(region=world.regions["绍兴市"], year=2026, rating=Rating.LEVEL_1,
                               share=Decimal(50))  # fmt: skip
    score(city_evaluator, scheme, world.regions["枫桥镇"], "平安建设工作", score="95")
    score(city_evaluator, scheme, world.regions["店口镇"], "平安建设工作", score="70")
    whole, parts = selectors.progress_table(world.regions["绍兴市"], 2026, TODAY)
    assert whole.towns == 2 and whole.rated == 2
    basic, level2, level1 = whole.rows
    assert (basic.count, basic.share, basic.met) == (2, Fraction(1), True)
    assert (level2.count, level2.target) == (1, None)
    assert (level1.count, level1.share, level1.met) == (1, Fraction(1, 2), True)
    zhuji = next(p for p in parts if p.region.name == "诸暨市")
    shengzhou = next(p for p in parts if p.region.name == "嵊州市")
    assert zhuji.rows[2].met is True  # the county uses the city's target
    assert shengzhou.towns == 0 and shengzhou.rows[0].share is None


def test_a_county_target_overrides_the_citys(world, scheme):
    ShareTarget.objects.create(region=world.regions["绍兴市"], year=2025, rating=Rating.LEVEL_1,
                               share=Decimal(30))  # fmt: skip
    ShareTarget.objects.create(region=world.regions["诸暨市"], year=2026, rating=Rating.LEVEL_1,
                               share=Decimal(60))  # fmt: skip
    assert selectors.share_targets(world.regions["诸暨市"], 2026)[Rating.LEVEL_1] == 60
    assert selectors.share_targets(world.regions["嵊州市"], 2026)[Rating.LEVEL_1] == 30


def test_declining_a_mass_dispute_does_not_lift_the_veto(
    world, scheme, village_clerk, town_head, play
):
    from jiefen.portal.services import review_answer, review_request

    fengqiao = world.regions["枫桥镇"]
    d = register(world, village_clerk, when=at(2026, 3, 2), people_involved=30)
    d = play("decline", village_clerk, d, at(2026, 3, 2, 11))
    assert selectors.unresolved_mass(fengqiao, 2026) == {fengqiao.code: 1}
    # Reviewed by the level above and upheld: now it no longer counts.
    asked = review_request(dispute=d, reason="这么多人的事村里不管", at=at(2026, 3, 3))
    review_answer(
        actor=town_head, request_id=asked.pk, answer="经复核，属于法院受理范围",
        uphold=True, at=at(2026, 3, 5),
    )  # fmt: skip
    assert selectors.unresolved_mass(fengqiao, 2026) == {}


def test_a_decline_upheld_only_after_year_end_still_vetoes_that_year(
    world, scheme, village_clerk, town_head, play
):
    from jiefen.portal.services import review_answer, review_request

    fengqiao = world.regions["枫桥镇"]
    d = register(world, village_clerk, when=at(2025, 12, 1), people_involved=12)
    d = play("decline", village_clerk, d, at(2025, 12, 1, 11))
    asked = review_request(dispute=d, reason="请镇里看看", at=at(2025, 12, 29))
    review_answer(actor=town_head, request_id=asked.pk, answer="维持", uphold=True,
                  at=at(2026, 1, 5))  # fmt: skip
    assert selectors.unresolved_mass(fengqiao, 2025) == {fengqiao.code: 1}
    assert selectors.unresolved_mass(fengqiao, 2026) == {}
