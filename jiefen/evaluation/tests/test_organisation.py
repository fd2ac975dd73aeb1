"""Organisation checks: centre staffing against the town class standard, and the budget per
resident against the plan (city ≥ 1.00 yuan, county 0.50–1.00 yuan, both ends within)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiefen.evaluation import services
from jiefen.evaluation.models import BudgetFigure
from jiefen.evaluation.selectors import budget_rows, budget_status
from jiefen.regions.models import Level


@pytest.mark.parametrize(
    ("level", "per_resident", "expected"),
    [
        (Level.COUNTY, "0.4999", "below"),
        (Level.COUNTY, "0.50", "within"),
        (Level.COUNTY, "1.00", "within"),
        (Level.COUNTY, "1.0001", "above"),
        (Level.CITY, "0.99", "below"),
        (Level.CITY, "1.00", "within"),
        (Level.CITY, "3", "within"),
    ],
)
def test_the_budget_standard_includes_both_ends(level, per_resident, expected):
    assert budget_status(level, Decimal(per_resident)) == expected


def test_an_administrator_enters_the_budget_and_a_correction_keeps_the_earlier(
    world, administrator
):
    zhuji = world.regions["诸暨市"]
    services.budget_enter(actor=administrator, region=zhuji, year=2026, budget="600000",
                          population=1_200_000)  # fmt: skip
    services.budget_enter(actor=administrator, region=zhuji, year=2026, budget="500000",
                          population="1000000")  # fmt: skip
    figure = BudgetFigure.objects.get(region=zhuji, year=2026)
    assert (figure.budget, figure.population, figure.entered_by) == (
        Decimal(500000), 1_000_000, administrator
    )  # fmt: skip
    assert figure.history[0]["budget"] == "600000.00" and figure.history[0]["by"] == "admin_sx"
    rows = {r.region.name: r for r in budget_rows(world.regions["绍兴市"], 2026)}
    assert (rows["诸暨市"].shown, rows["诸暨市"].status) == ("0.50", "within")
    assert rows["绍兴市"].status == "missing" and rows["嵊州市"].figure is None


@pytest.mark.parametrize(
    ("field", "changes", "message"),
    [
        ("population", {"population": 0}, "常住人口必须大于 0。"),
        ("population", {"population": "many"}, "请填写常住人口（整数）。"),
        ("budget", {"budget": "-1"}, "经费不能为负数。"),
        ("budget", {"budget": "abc"}, "请填写一个数字。"),
        ("year", {"year": 1990}, "年度不在可填报的范围内。"),
    ],
)
def test_bad_budget_figures_are_refused_with_a_message_and_nothing_saved(
    world, administrator, field, changes, message
):
    data = {"region": world.regions["诸暨市"], "year": 2026, "budget": "1", "population": 1}
    data.update(changes)
    with pytest.raises(ValidationError) as error:
        services.budget_enter(actor=administrator, **data)
    assert message in error.value.message_dict[field]
    assert not BudgetFigure.objects.exists()


def test_only_an_administrator_enters_budget_figures(world, city_evaluator):
    with pytest.raises(PermissionDenied):
        services.budget_enter(actor=city_evaluator, region=world.regions["诸暨市"], year=2026,
                              budget="1", population=1)  # fmt: skip


def test_the_organisation_page_shows_staffing_and_takes_budget_figures(
    client, world, administrator, town_head
):
    # 枫桥镇 is a class 1 town (8–12 centre staff); its head is its only staff.
    client.force_login(administrator)
    url = reverse("evaluation:organisation") + "?year=2026"
    response = client.get(url)
    assert response.status_code == 200
    staffing = {row.centre.name: row for row in response.context["staffing"]}
    row = staffing["枫桥镇乡镇（街道）矛调中心"]
    assert (row.staff, row.status) == (1, "below")  # two roles, one person
    response = client.post(
        reverse("evaluation:budget") + "?year=2026",
        {"region": world.regions["绍兴市"].code, "year": 2026, "budget": "5000000",
         "population": "5000000"},
    )  # fmt: skip
    assert response.status_code == 302
    assert BudgetFigure.objects.get(region=world.regions["绍兴市"]).entered_by == administrator
    response = client.post(
        reverse("evaluation:budget") + "?year=2026",
        {"region": world.regions["绍兴市"].code, "year": 2026, "budget": "1", "population": "0"},
    )
    assert response.status_code == 400
    assert "常住人口必须大于 0。" in response.content.decode()
