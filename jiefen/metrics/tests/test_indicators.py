"""Each indicator against a small history worked out by hand: the `march` fixture of
conftest.py (nine disputes in 枫桥镇 and 店口镇), with "today" 15 April 2026."""

from datetime import date
from fractions import Fraction

from jiefen.disputes.models import LevelStay
from jiefen.metrics import raw, selectors
from jiefen.metrics.indicators import display, evaluate
from jiefen.metrics.periods import Period
from jiefen.metrics.rollups import rollups_check, rollups_rebuild
from jiefen.metrics.tests.conftest import TODAY

MARCH = Period.containing("month", date(2026, 3, 1))


def due_dates(dispute):
    return [
        (s.tier, s.due_date, s.met)
        for s in LevelStay.objects.filter(dispute=dispute).order_by("id")
    ]


def test_it_works_from_the_deadlines_the_rules_give(march):
    assert due_dates(march[3]) == [
        ("village", date(2026, 3, 9), False),
        ("town", date(2026, 3, 24), True),
    ]
    assert due_dates(march[5]) == [("village", date(2026, 3, 12), None)]
    assert due_dates(march[4]) == [("village", date(2026, 4, 4), None)]


EXPECTED_TOWN = {
    "received": 5,  # D1 D2 D3 D4 D6
    "mass": 1,  # D4
    "mass_last_year": 1,  # D9
    "accepted": 4,  # D1 D2 D3 (by the town) D4
    "mediated": 3,  # D1 D2 D3
    "resolved": 4,  # D1 D2 D3 D7
    "agreed": 3,  # D1 D3 D7
    "village_registered_resolved": 4,
    "kept_in_village": 3,  # not D3
    "at_or_below_town": 4,
    "ratings": 4,  # 5, 4 (party), 3, 2
    "ratings_good": 2,
    "reopened": 1,
    "closed": 2,
    "open_end": 3,  # D4 D5 D9
    "overdue_end": 1,  # D5
    "deadlines_due_village": 2,  # D3 late, D5 missed
    "deadlines_met_village": 0,
    "deadlines_due_town": 1,  # D3 at the town
    "deadlines_met_town": 1,
    "deadlines_due_county": 0,
    "deadlines_met_county": 0,
    "deadlines_due": 3,
    "deadlines_met": 1,
}


def test_it_counts_the_base_figures_of_a_town_by_hand(march, world):
    town = world.regions["枫桥镇"]
    assert selectors.sums(town, MARCH, TODAY).as_dict() == EXPECTED_TOWN
    assert raw.sums_raw(town, MARCH, TODAY).as_dict() == EXPECTED_TOWN


def test_it_computes_each_indicator_by_hand(march, world):
    figures = evaluate(selectors.sums(world.regions["枫桥镇"], MARCH, TODAY))
    values = {key: figure.value for key, figure in figures.items()}
    assert values == {
        "received": 5,
        "accepted": 4,
        "mediation_rate": Fraction(3, 4),
        "success_rate": Fraction(3, 4),
        "on_time_rate": Fraction(1, 3),
        "on_time_rate_village": Fraction(0),
        "on_time_rate_town": Fraction(1),
        "on_time_rate_county": None,
        "village_share": Fraction(3, 4),
        "town_share": Fraction(1),
        "satisfaction": Fraction(1, 2),
        "mass": 1,
        "overdue_open": 1,
        "open": 3,
        "reopen_rate": Fraction(1, 2),
    }
    assert figures["mediation_rate"].met is False  # target 100 %
    assert figures["success_rate"].met is False  # 75 % < 92 %
    assert figures["satisfaction"].met is False  # 50 % < 85 %
    assert figures["town_share"].met is None  # no target
    assert figures["mass"].met is None  # information only: never judged
    assert figures["mass"].change == 0
    assert figures["success_rate"].display == "75.0%"
    assert figures["on_time_rate_county"].display == "—"


def test_it_keeps_each_region_to_its_own_disputes(march, world):
    village = selectors.sums(world.regions["永安社区"], MARCH, TODAY)
    assert (village["received"], village["mass"], village["open_end"]) == (1, 1, 1)
    other_town = selectors.sums(world.regions["店口镇"], MARCH, TODAY)
    assert other_town["resolved"] == 1
    assert other_town["village_registered_resolved"] == 0  # registered by the town centre
    county = selectors.sums(world.regions["诸暨市"], MARCH, TODAY)
    assert county["resolved"] == 5 and county["received"] == 6
    below = selectors.sums_below(world.regions["枫桥镇"], MARCH, TODAY)
    assert below[world.regions["枫一社区"].code]["received"] == 4


def test_zero_denominators_have_no_value_and_show_a_dash(march, world):
    figures = evaluate(selectors.sums(world.regions["永安社区"], MARCH, TODAY))
    for key in ("success_rate", "satisfaction", "village_share", "town_share", "reopen_rate"):
        assert figures[key].value is None, key
        assert figures[key].display == "—"
        assert figures[key].met is None
    assert figures["mediation_rate"].value == 0  # one accepted, none mediated: 0 %, not "—"
    assert figures["mediation_rate"].display == "0.0%"


def test_a_period_with_nothing_in_it_shows_dashes_and_zero_counts(march, world):
    empty = Period.containing("month", date(2025, 7, 1))
    figures = evaluate(selectors.sums(world.regions["枫桥镇"], empty, TODAY))
    assert figures["received"].display == "0"
    assert {f.display for k, f in figures.items() if f.indicator.unit == "rate"} == {"—"}


def test_overdue_and_open_are_as_of_the_end_of_each_period(march, world):
    town = world.regions["枫桥镇"]
    february = Period.containing("month", date(2026, 2, 1))
    first_half = Period.containing("half", date(2026, 3, 1))
    assert selectors.sums(town, february, TODAY)["open_end"] == 2  # D5 D9 (D7 was closed)
    assert selectors.sums(town, february, TODAY)["overdue_end"] == 0  # D5 due 12 Mar
    assert selectors.sums(town, first_half, TODAY)["overdue_end"] == 1  # from 13 Mar
    # A period not over yet: as of today.
    assert selectors.sums(town, MARCH, date(2026, 3, 12))["overdue_end"] == 0
    assert selectors.sums(town, MARCH, date(2026, 3, 13))["overdue_end"] == 1


def test_mass_disputes_are_compared_with_the_same_period_last_year(march, world):
    figures = evaluate(selectors.sums(world.regions["枫桥镇"], MARCH, TODAY))
    assert (figures["mass"].value, figures["mass"].last_year) == (1, 1)
    april = evaluate(
        selectors.sums(world.regions["枫桥镇"], Period.containing("month", date(2026, 4, 1)), TODAY)
    )
    assert april["mass"].value == 0 and april["mass"].met is None  # information only


def test_the_rollups_agree_with_the_raw_aggregate_and_a_rebuild(march, world):
    periods = [
        MARCH,
        Period.containing("year", date(2026, 1, 1)),
        Period("custom", date(2026, 1, 10), date(2026, 3, 15)),
    ]
    regions = ["浙江省", "绍兴市", "诸暨市", "枫桥镇", "枫一社区", "永安社区", "店口镇"]
    before = {
        (r, p): selectors.sums(world.regions[r], p, TODAY).as_dict()
        for r in regions
        for p in periods
    }
    for (r, p), figures in before.items():
        assert figures == raw.sums_raw(world.regions[r], p, TODAY).as_dict(), (r, p)
    assert rollups_check() == []
    rollups_rebuild()
    after = {(r, p): selectors.sums(world.regions[r], p, TODAY).as_dict() for r, p in before}
    assert after == before
    assert rollups_check() == []


def test_display_never_rounds_to_a_whole_hundred_or_zero():
    assert display(Fraction(9999, 10000)) == "99.9%"
    assert display(Fraction(1, 10000)) == "0.1%"
    assert display(Fraction(1)) == "100.0%"
    assert display(None) == "—"
    assert display(12345, "count") == "12,345"
