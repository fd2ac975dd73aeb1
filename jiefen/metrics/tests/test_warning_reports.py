"""The stored early-warning reports against the reference (early_warning_report) on a generated
history and after registrations, moves and reopenings; the dashboard reads a bounded page of
them in a fixed number of queries; the list of all warnings; the check command; the sweep's
hook."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiefen.demo.synthetic import disputes_generate
from jiefen.disputes.services import PartyInput
from jiefen.metrics.early_warning import CLUSTER, REOPENED, early_warning_report
from jiefen.metrics.models import WarningItem, WarningReport
from jiefen.metrics.periods import Period
from jiefen.metrics.rollups import rollups_rebuild
from jiefen.metrics.tests.conftest import at, register
from jiefen.metrics.warning_reports import (
    ON_PAGE,
    PAGE,
    report_compute,
    report_read,
    reports_due,
    reports_refresh,
    warning_reports_due,
    warnings_check,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 25, 15, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
PERIODS = [
    Period.containing("year", date(2025, 6, 1)),
    Period.containing("year", TODAY),
    Period.containing("quarter", date(2025, 10, 1)),
    Period.containing("month", TODAY),
    Period("custom", date(2025, 4, 3), date(2026, 2, 20)),
]
REGIONS = ("绍兴市", "诸暨市", "枫桥镇", "店口镇", "枫一社区")


@pytest.fixture
def generated(world):
    disputes_generate(
        count=400,
        seed=19,
        start=date(2025, 1, 1),
        end=TODAY,
        now=NOW,
        within=world.regions["诸暨市"],
        parallel=False,
    )
    rollups_rebuild()
    return world


def ask(world, periods=PERIODS, regions=REGIONS):
    """Open the warnings of every region and period, as the dashboard does the first time."""
    for name in regions:
        for period in periods:
            shown = report_read(
                region=world.regions[name], start=period.start, end=period.end, today=TODAY
            )
            assert shown.pending


def org(name):
    return PartyInput(side="respondent", name=name, kind="organisation")


def person(name):
    return PartyInput(side="applicant", name=name)


def test_it_stores_exactly_what_the_reference_computes_on_a_generated_history(generated):
    ask(generated)
    assert reports_refresh(today=TODAY, budget=None) == len(REGIONS) * len(PERIODS)
    assert warnings_check(today=TODAY) == []
    assert reports_due(today=TODAY) == []
    kinds = set(WarningItem.objects.values_list("kind", flat=True))
    assert kinds, "the generated history has warnings to compare"
    # Item by item in the reference's order, words included.
    city = generated.regions["绍兴市"]
    year = PERIODS[0]
    fresh = early_warning_report(region=city, start=year.start, end=year.end, today=TODAY)
    shown = report_read(region=city, start=year.start, end=year.end, today=TODAY, limit=10**6)
    assert [w.as_dict() for w in shown.warnings] == [w.as_dict() for w in fresh.warnings]
    assert shown.notes == fresh.notes


def test_registrations_moves_and_reopenings_make_reports_due_and_refresh_keeps_them_equal(
    generated, village_clerk, village_head, play
):
    ask(generated, periods=[PERIODS[1]])
    reports_refresh(today=TODAY, budget=None)
    assert reports_due(today=TODAY) == []
    # Three disputes against one company in 枫一社区: a new cluster in 枫桥镇, 诸暨市, 绍兴市.
    made = [
        register(
            generated,
            village_clerk,
            when=at(2026, 3, day),
            parties=[person(f"工人{day}"), org("枫桥新材料有限公司")],
        )
        for day in (20, 21, 22)
    ]
    due = {row.region_code for row in reports_due(today=TODAY)}
    names = {generated.regions[n].code: n for n in REGIONS}
    assert {names[c] for c in due} == {"绍兴市", "诸暨市", "枫桥镇", "枫一社区"}
    reports_refresh(today=TODAY, budget=None)
    assert warnings_check(today=TODAY) == []
    town = WarningReport.objects.get(
        region_code=generated.regions["枫桥镇"].code, start=PERIODS[1].start
    )
    clusters = [i for i in town.items.all() if i.kind == CLUSTER]
    assert any({d["id"] for d in i.disputes} >= {d.pk for d in made} for i in clusters)

    # Moves alone change no warning; a reopening does.
    dispute = made[0]
    for action, when in [("accept", at(2026, 3, 22, 10)), ("resolve", at(2026, 3, 23)),
                         ("visit", at(2026, 3, 23, 12)), ("close", at(2026, 3, 24))]:  # fmt: skip
        dispute = play(action, village_clerk, dispute, when)
    assert reports_due(today=TODAY) == []
    play("reopen", village_head, dispute, at(2026, 3, 25, 9))
    assert {r.region_code for r in reports_due(today=TODAY)} == due
    reports_refresh(today=TODAY, budget=None)
    assert warnings_check(today=TODAY) == []
    town.refresh_from_db()
    reopened = [i for i in town.items.all() if i.kind == REOPENED]
    assert dispute.pk in {d["id"] for d in reopened[0].disputes}
    # A new day: the reports of periods still running are due again.
    assert len(reports_due(today=TODAY + timedelta(days=1))) == len(REGIONS)


def test_the_check_finds_a_stored_warning_that_differs(generated):
    ask(generated, periods=[PERIODS[0]])
    reports_refresh(today=TODAY, budget=None)
    item = WarningItem.objects.order_by("pk").first()
    assert item is not None
    item.count += 1
    item.save()
    problems = warnings_check(today=TODAY)
    assert problems and "stored only" in problems[0]
    with pytest.raises(CommandError):
        call_command("warnings", "check", stdout=StringIO())
    call_command("warnings", "refresh", "--all", stdout=StringIO())
    out = StringIO()
    call_command("warnings", "check", stdout=out)
    assert "一致" in out.getvalue()


def many_clusters(world, clerk, n):
    """`n` companies with three disputes each in 枫一社区 this month: `n` cluster warnings."""
    for k in range(n):
        for day in (2, 3, 4):
            register(
                world,
                clerk,
                when=at(2026, 3, day, 9 + k % 8),
                parties=[person(f"工人{k}{day}"), org(f"第{k}号建筑公司")],
            )


def dashboard(client, world, **more):
    query = {"region": world.regions["枫桥镇"].code, "period": "month", "on": "2026-03-01"}
    return client.get(reverse("metrics:dashboard"), {**query, **more})


@pytest.fixture
def today(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


def test_the_dashboard_shows_a_bounded_number_of_warnings_and_links_to_all(
    client, world, village_clerk, town_head, today
):
    many_clusters(world, village_clerk, ON_PAGE + 3)
    client.force_login(town_head)
    first = dashboard(client, world)
    assert first.status_code == 200
    assert "预警研判正在后台计算" in first.content.decode()
    reports_refresh(today=TODAY, budget=None)
    page = dashboard(client, world).content.decode()
    total = WarningReport.objects.get(region_code=world.regions["枫桥镇"].code).total
    assert total > ON_PAGE + 3  # the clusters, and each company's disputes as repeats
    assert page.count('<li class="early-') == ON_PAGE
    link = reverse("metrics:warnings")
    assert f'href="{link}?' in page and f"查看全部 {total} 条预警" in page
    every = client.get(link, {"region": world.regions["枫桥镇"].code, "period": "month",
                              "on": "2026-03-01"})  # fmt: skip
    assert every.status_code == 200
    text = every.content.decode()
    assert text.count('<li class="early-') == total
    assert text.count('<li class="early-cluster">') == ON_PAGE + 3


def test_the_list_of_all_warnings_pages_through_them_in_order(world, village_clerk):
    many_clusters(world, village_clerk, 3)
    town = world.regions["枫桥镇"]
    month = Period.containing("month", TODAY)
    report_compute(region=town, start=month.start, end=month.end, today=TODAY)
    first = report_read(region=town, start=month.start, end=month.end, today=TODAY, limit=2)
    rest = report_read(
        region=town, start=month.start, end=month.end, today=TODAY, offset=2, limit=PAGE
    )
    fresh = early_warning_report(region=town, start=month.start, end=month.end, today=TODAY)
    assert [w.url for w in first.warnings + rest.warnings] == [w.url for w in fresh.warnings]
    assert first.total == len(fresh.warnings) == 6  # three clusters, three repeats


def test_a_town_head_cannot_read_another_towns_warnings(client, world, town_head):
    client.force_login(town_head)
    response = client.get(reverse("metrics:warnings"), {"region": world.regions["店口镇"].code})
    assert response.status_code == 404


def queries(client, world):
    with CaptureQueriesContext(connection) as captured:
        assert dashboard(client, world).status_code == 200
    return len(captured.captured_queries)


def test_the_dashboard_takes_the_same_few_queries_however_many_warnings(
    client, world, village_clerk, town_head, today
):
    client.force_login(town_head)
    dashboard(client, world)
    reports_refresh(today=TODAY, budget=None)
    quiet = queries(client, world)
    many_clusters(world, village_clerk, ON_PAGE + 5)
    for day in range(5, 12):  # and a rise's worth of one category, with rollups behind it
        register(world, village_clerk, when=at(2026, 3, day))
    reports_refresh(today=TODAY, budget=None)
    busy = queries(client, world)
    assert busy == quiet
    assert busy <= 28


def test_the_sweep_asks_for_this_years_reports_of_every_city_county_and_town(world):
    warning_reports_due(today=TODAY)
    year = Period.containing("year", TODAY)
    asked = set(
        WarningReport.objects.filter(start=year.start, end=year.end, as_of=None).values_list(
            "region_code", flat=True
        )
    )
    expected = {world.regions[n].code for n in ("绍兴市", "诸暨市", "嵊州市", "枫桥镇", "店口镇")}
    assert asked == expected
    reports_refresh(today=TODAY, budget=None)
    assert not WarningReport.objects.filter(as_of=None).exists()
