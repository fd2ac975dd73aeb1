"""Targets are data: per indicator × region level × year, with a fallback to the latest
earlier year and then to the plan's defaults; the dashboard tiles judge against them."""

from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jiefen.evaluation.models import Direction, Target
from jiefen.evaluation.targets import targets_for
from jiefen.metrics.indicators import TARGETS
from jiefen.regions.models import Level


def set_target(key, level, year, value, direction=Direction.AT_LEAST):
    Target.objects.update_or_create(
        indicator=key,
        level=level,
        year=year,
        defaults={"value": None if value is None else Decimal(value), "direction": direction},
    )


def test_the_migration_seeds_the_plans_defaults_for_every_level(db):
    for level in Level.values:
        targets = targets_for(level, 2026)
        assert targets["mediation_rate"].value == 1
        assert targets["success_rate"].value == Fraction(92, 100)
        assert targets["satisfaction"].value == Fraction(85, 100)
        assert targets["mass"] is None  # information only, whatever the seeded row says
    assert Target.objects.filter(indicator="success_rate").count() == len(Level.values)


def test_it_reads_the_target_of_the_level_and_year(db):
    set_target("success_rate", Level.TOWN, 2026, "95")
    set_target("success_rate", Level.COUNTY, 2026, "90")
    assert targets_for(Level.TOWN, 2026)["success_rate"].value == Fraction(95, 100)
    assert targets_for(Level.COUNTY, 2026)["success_rate"].value == Fraction(90, 100)


def test_it_falls_back_to_the_latest_earlier_year(db):
    set_target("satisfaction", Level.TOWN, 2025, "88")
    set_target("satisfaction", Level.TOWN, 2027, "99")
    assert targets_for(Level.TOWN, 2026)["satisfaction"].value == Fraction(88, 100)
    assert targets_for(Level.TOWN, 2028)["satisfaction"].value == Fraction(99, 100)


def test_it_falls_back_to_the_plans_defaults_without_any_row(db):
    Target.objects.all().delete()
    targets = targets_for(Level.TOWN, 2026)
    assert targets["success_rate"] == TARGETS["success_rate"]
    assert targets["town_share"] is None  # the plan sets none


def test_an_at_most_target_is_shown_and_judged(db):
    set_target("success_rate", Level.TOWN, 2026, "5", Direction.AT_MOST)
    target = targets_for(Level.TOWN, 2026)["success_rate"]
    assert target.describe() == "≤ 5%"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("85", False), ("75", True)],
)
def test_the_dashboard_tile_is_met_or_missed_by_the_data_target(
    client, march, town_head, value, expected
):
    # 枫桥镇 in March 2026: success rate 3 of 4 = 75 %.
    set_target("success_rate", Level.TOWN, 2025, value)
    client.force_login(town_head)
    response = client.get(reverse("metrics:dashboard"), {"period": "month", "on": "2026-03-01"})
    board = response.context["board"]
    tile = next(t for t in board.tiles if t.indicator.key == "success_rate")
    assert tile.target == f"≥ {value}%"
    assert tile.figure.met is expected


def test_the_sub_unit_rows_use_the_targets_of_their_own_level(client, march, town_head):
    set_target("success_rate", Level.VILLAGE, 2026, "50")
    client.force_login(town_head)
    response = client.get(reverse("metrics:dashboard"), {"period": "month", "on": "2026-03-01"})
    board = response.context["board"]
    assert board.figures["success_rate"].met is False  # the town: still 92 %
    fengyi = next(r for r in board.rows if r.name == "枫一社区")
    assert fengyi.figures["success_rate"].met is True  # 75 % ≥ 50 %


def test_a_rate_target_outside_0_to_100_is_refused_with_a_message(db):
    target = Target(indicator="success_rate", level=Level.TOWN, year=2026, value=Decimal(120),
                    direction=Direction.AT_LEAST)  # fmt: skip
    with pytest.raises(ValidationError) as error:
        target.full_clean()
    assert "比率目标必须在 0% 到 100% 之间。" in error.value.message_dict["value"]


def test_a_second_target_for_the_same_indicator_level_and_year_is_refused(db):
    duplicate = Target(indicator="success_rate", level=Level.TOWN, year=2024,
                       value=Decimal(90), direction=Direction.AT_LEAST)  # fmt: skip
    with pytest.raises(ValidationError):
        duplicate.full_clean()


def test_a_falling_target_takes_no_value_and_an_unknown_indicator_is_refused(db):
    with pytest.raises(ValidationError) as error:
        Target(
            indicator="success_rate", level=4, year=2026, value=Decimal(3), direction="fall"
        ).full_clean()
    assert "“同比下降”的目标不填数值。" in error.value.message_dict["value"]
    with pytest.raises(ValidationError) as error:
        Target(indicator="nope", level=4, year=2026, value=1, direction="at_least").full_clean()
    assert "没有这个指标。" in error.value.message_dict["indicator"]


def test_the_admin_refuses_a_bad_target_and_says_why(client, db):
    from jiefen.accounts.models import User

    admin = User.objects.create_superuser(username="root", password="x" * 12)
    client.force_login(admin)
    response = client.post(
        reverse("admin:evaluation_target_add"),
        {"indicator": "success_rate", "level": 4, "year": 2026, "value": "101",
         "direction": "at_least"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "比率目标必须在 0% 到 100% 之间。" in response.content.decode()
    assert not Target.objects.filter(year=2026).exists()
