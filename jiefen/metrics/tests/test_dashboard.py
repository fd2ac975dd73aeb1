"""The dashboard page and its export, for the people who use them."""

from io import BytesIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiefen.lib.tests.test_translations import english  # noqa: F401  (a fixture)
from jiefen.metrics.periods import Period, period_from

MARCH = {"period": "month", "on": "2026-03-01"}


def page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("metrics:dashboard"), {**MARCH, **params})


def test_it_shows_a_town_head_the_town_with_figures_and_targets(client, march, town_head):
    response = page(client, town_head)
    assert response.status_code == 200
    board = response.context["board"]
    assert board.region.name == "枫桥镇"
    html = response.content.decode()
    assert "2026年3月" in html
    tile = board.tiles[[t.indicator.key for t in board.tiles].index("success_rate")]
    assert tile.figure.display == "75.0%" and tile.target == "≥ 92%" and tile.figure.met is False
    assert 'id="tile-success_rate"' in html and "未达标" in html
    assert "resolve" in tile.denominator_url
    # The sub-units, drill-down links and the category mix.
    names = [row["name"] for row in response.context["rows"]]
    assert set(names) == {"枫一社区", "永安社区"}
    assert "region=330681109008" in html
    assert board.mix[0]["count"] == 5 and board.mix[0]["category"] == "邻里纠纷"
    assert 'id="trend-data" type="application/json"' in html
    assert "<script>" not in html  # no inline script: scripts come from static files


def test_every_count_links_to_the_dispute_list_behind_it(client, march, town_head):
    board = page(client, town_head).context["board"]
    received = next(t for t in board.workload if t.indicator.key == "received")
    url = urlparse(received.numerator_url)
    assert url.path == reverse("disputes:list")
    assert parse_qs(url.query) == {
        "region": ["330681109000"],
        "registered_from": ["2026-03-01"],
        "registered_to": ["2026-03-31"],
    }
    listed = page(client, town_head)  # the list itself answers for the town head
    response = client.get(received.numerator_url)
    assert response.status_code == 200 and listed.status_code == 200
    assert len(response.context["page"].rows) == received.figure.value == 5


def test_a_city_evaluator_sees_the_city_and_drills_down(client, march, city_evaluator):
    response = page(client, city_evaluator)
    assert response.context["board"].region.name == "绍兴市"
    assert [row["name"] for row in response.context["rows"]] == ["诸暨市", "嵊州市"]
    response = page(client, city_evaluator, region="330681000000")
    assert response.context["board"].region.name == "诸暨市"
    assert [r.name for r in response.context["board"].trail] == ["绍兴市"]
    response = page(client, city_evaluator, region="330681109008")
    assert response.context["board"].figures["received"].value == 4
    assert "rows" not in response.context or response.context["rows"] == []


def test_a_region_outside_the_jurisdiction_is_not_found(client, march, town_head, outsider):
    assert page(client, town_head, region="330681104000").status_code == 404  # 店口镇
    assert page(client, town_head, region="330681000000").status_code == 404  # the county above
    assert page(client, town_head, region="999999999999").status_code == 404
    assert page(client, town_head, region="abc").status_code == 404
    assert page(client, outsider).status_code == 404
    client.logout()
    response = client.get(reverse("metrics:dashboard"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_ranked_table_sorts_by_a_query_parameter(client, march, town_head):
    rows = page(client, town_head, sort="-name").context["rows"]
    assert [r["name"] for r in rows] == ["永安社区", "枫一社区"]
    rows = page(client, town_head, sort="name").context["rows"]
    assert [r["name"] for r in rows] == ["枫一社区", "永安社区"]
    # A rate with no value sorts last either way.
    rows = page(client, town_head, sort="success_rate").context["rows"]
    assert rows[-1]["name"] == "永安社区"
    assert page(client, town_head, sort="bogus").context["board"].sort == "name"
    # Information-only counts are shown, never ranked: sorting by them is refused.
    response = page(client, town_head, sort="-received")
    assert response.context["board"].sort == "name"
    received = next(c for c in response.context["columns"] if c["key"] == "received")
    assert received["url"] is None


def test_zero_denominators_show_a_dash_on_the_page(
    client, march, village_clerk, other_village_clerk
):
    response = page(client, other_village_clerk)  # 永安社区: nothing resolved in March
    html = response.content.decode()
    tile = next(t for t in response.context["board"].tiles if t.indicator.key == "success_rate")
    assert tile.figure.display == "—"
    assert "0.0%" not in html.split('id="tile-success_rate"')[1].split("</article>")[0]


def test_the_export_opens_and_has_the_figures(client, march, town_head):
    client.force_login(town_head)
    response = client.get(reverse("metrics:export"), MARCH)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["指标", "下级单位", "类别构成", "月度趋势"]
    rows = {row[0]: row for row in book["指标"].iter_rows(values_only=True) if row[0]}
    assert rows["区划"][1] == "枫桥镇"
    assert rows["调处成功率"][1:6] == (0.75, 3, 4, "≥ 92%", "未达标")
    assert rows["登记数"][1] == 5
    assert rows["县级按时率"][1] == "—"
    assert "÷" in rows["调处率"][6]
    units = list(book["下级单位"].iter_rows(values_only=True))
    assert units[0][0] == "单位" and {u[0] for u in units[1:]} == {"枫一社区", "永安社区"}
    assert list(book["类别构成"].iter_rows(values_only=True))[1][:2] == ("邻里纠纷", 5)
    assert len(list(book["月度趋势"].iter_rows(values_only=True))) == 13


def test_the_export_is_refused_outside_the_jurisdiction(client, march, town_head):
    client.force_login(town_head)
    response = client.get(reverse("metrics:export"), {**MARCH, "region": "330681104000"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"period": "month", "on": "2026-02-14"}, ("2026-02-01", "2026-02-28")),
        ({"period": "half", "on": "2026-02-14"}, ("2026-02-01", "2026-02-15")),
        ({"period": "half", "on": "2026-02-16"}, ("2026-02-16", "2026-02-28")),
        ({"period": "quarter", "on": "2026-05-20"}, ("2026-04-01", "2026-06-30")),
        ({"period": "year", "on": "2024-05-20"}, ("2024-01-01", "2024-12-31")),
        (
            {"period": "custom", "from": "2026-01-10", "to": "2026-03-05"},
            ("2026-01-10", "2026-03-05"),
        ),
        (
            {"period": "custom", "from": "2026-03-05", "to": "2026-01-10"},
            ("2026-01-01", "2026-12-31"),
        ),
        ({"period": "nonsense"}, ("2026-01-01", "2026-12-31")),
        ({}, ("2026-01-01", "2026-12-31")),
    ],
)
def test_it_reads_the_period_picker(params, expected):
    from datetime import date

    period = period_from(params, date(2026, 11, 29))
    assert (period.start.isoformat(), period.end.isoformat()) == expected


def test_periods_step_back_and_forth_and_a_year_earlier():
    from datetime import date

    half = Period.containing("half", date(2026, 3, 20))
    assert (half.previous().start, half.next().start) == (date(2026, 3, 1), date(2026, 4, 1))
    leap = Period("custom", date(2024, 2, 29), date(2024, 3, 1))
    assert leap.year_earlier() == Period("custom", date(2023, 2, 28), date(2023, 3, 1))
    assert Period.containing("quarter", date(2026, 1, 5)).previous().label() == "2025年第4季度"


def test_it_speaks_english_too(client, march, town_head, english):  # noqa: F811
    client.force_login(town_head)
    response = client.get(reverse("metrics:dashboard"), MARCH, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "枫桥镇 · KPIs" in html and "3/2026" in html
    assert "Mediation success rate" in html and "Not met" in html
