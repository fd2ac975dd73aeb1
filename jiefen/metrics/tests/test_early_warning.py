"""Early warning: each kind fires on crafted data and stays quiet on flat data; a short history
gives no z-score and says so; a town head sees only the town's warnings; agendas carry them."""

from collections import Counter
from datetime import date, timedelta

from django.urls import reverse

from jiefen.disputes.models import Category
from jiefen.disputes.services import PartyInput
from jiefen.metrics.early_warning import (
    CLUSTER,
    REOPENED,
    REPEAT,
    RISE,
    early_warning_report,
    early_warnings,
)
from jiefen.metrics.models import CategoryTally, Tally
from jiefen.metrics.rollups import _add
from jiefen.metrics.tests.conftest import at, register
from jiefen.metrics.warning_reports import reports_refresh

START, END, TODAY = date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 15)


def history(world, category, per_year, *, years=3, village="枫一社区"):
    """`per_year` disputes of `category` registered in the same weeks of each earlier year,
    written to the rollups (as rollups_rebuild would from a long history)."""
    code = world.regions[village].code
    for k in range(1, years + 1):
        day = START - timedelta(weeks=52 * k) + timedelta(days=3)
        _add(
            CategoryTally,
            ("day", "category_id"),
            {(day, category.pk): Counter(received=per_year)},
            code,
        )
        _add(Tally, ("day",), {(day,): Counter(received=per_year)}, code)
    # The rollups begin before the earliest window.
    first = START - timedelta(weeks=52 * years) - timedelta(days=10)
    _add(Tally, ("day",), {(first,): Counter(received=1)}, code)


def report(world, town="枫桥镇"):
    return early_warning_report(region=world.regions[town], start=START, end=END, today=TODAY)


def board(client, params):
    """The dashboard once its warnings are computed: the first view asks for them, the task
    worker computes them (here: in the foreground), the next view shows them."""
    assert client.get(reverse("metrics:dashboard"), params).status_code == 200
    reports_refresh(budget=None)
    return client.get(reverse("metrics:dashboard"), params).content.decode()


def kinds(rep, kind):
    return [w for w in rep.warnings if w.kind == kind]


def resident_id(first17: str) -> str:
    """A made-up ID number with a correct check digit."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def person(side, name, id_number):
    return PartyInput(side=side, name=name, id_number=id_number, phone="")


def test_a_category_rising_above_its_seasonal_baseline_is_flagged(world, village_clerk):
    labour = Category.objects.get(key="labour")
    history(world, labour, 2)
    made = [
        register(
            world,
            village_clerk,
            when=at(2026, 3, d),
            category=labour,
            parties=[person("applicant", f"工人{d}", ""), person("respondent", f"老板{d}", "")],
        )
        for d in range(2, 10)
    ]
    rep = report(world)
    rises = kinds(rep, RISE)
    assert {w.region_name for w in rises} == {"枫桥镇", "枫一社区"}
    town = next(w for w in rises if w.region == world.regions["枫桥镇"].code)
    assert town.count == 8
    assert "2、2、2" in town.explanation and "z = (8 − 2.0) ÷ 1.4 = 4.2" in town.explanation
    assert {d["id"] for d in town.disputes} == {d.pk for d in made}
    assert f"category={labour.pk}" in town.url and "registered_from=2026-03-01" in town.url
    assert rep.notes == []


def test_a_category_at_its_usual_level_stays_quiet(world, village_clerk):
    labour = Category.objects.get(key="labour")
    history(world, labour, 6)
    for d in range(2, 8):
        register(world, village_clerk, when=at(2026, 3, d), category=labour)
    assert kinds(report(world), RISE) == []


def test_too_short_a_history_gives_no_z_score_and_says_so(world, village_clerk):
    labour = Category.objects.get(key="labour")
    history(world, labour, 1, years=2)
    for d in range(2, 12):
        register(world, village_clerk, when=at(2026, 3, d), category=labour)
    rep = report(world)
    assert kinds(rep, RISE) == []
    assert any("历史数据不足" in note and "2 年" in note and "3 年" in note for note in rep.notes)


def org(name):
    return PartyInput(side="respondent", name=name, kind="organisation")


def test_disputes_against_one_organisation_in_a_short_window_are_flagged(
    world, village_clerk, other_village_clerk
):
    labour = Category.objects.get(key="labour")
    a = register(
        world,
        village_clerk,
        when=at(2026, 3, 2),
        category=labour,
        parties=[person("applicant", "甲", ""), org("诸暨市宏达建设有限公司")],
    )
    b = register(
        world,
        other_village_clerk,
        body="永安社区",
        region="永安社区",
        when=at(2026, 3, 12),
        category=labour,
        parties=[person("applicant", "乙", ""), org("诸暨市 宏达建设有限责任公司")],
    )
    c = register(
        world,
        village_clerk,
        when=at(2026, 3, 20),
        parties=[person("applicant", "丙", ""), org("诸暨市宏达建设（有限公司）")],
    )
    # Natural persons of one name are never matched; nor an organisation seen twice.
    for d in (3, 4, 5):
        register(
            world,
            village_clerk,
            when=at(2026, 3, d),
            parties=[person("applicant", f"丁{d}", ""), person("respondent", "王五", "")],
        )
    for d in (6, 7):
        register(
            world,
            village_clerk,
            when=at(2026, 3, d),
            parties=[person("applicant", f"戊{d}", ""), org("另一家公司")],
        )
    clusters = kinds(report(world), CLUSTER)
    assert len(clusters) == 1
    (warning,) = clusters
    assert {d["id"] for d in warning.disputes} == {a.pk, b.pk, c.pk}
    assert warning.region_name == "枫桥镇" and "30 天内 3 件" in warning.explanation
    assert "王五" not in str(report(world).warnings)


def test_disputes_about_one_project_in_a_short_window_are_flagged(
    world, village_clerk, other_village_clerk
):
    ids = set()
    for day, clerk, village, project in (
        (2, village_clerk, "枫一社区", "枫桥安置小区二期工程"),
        (9, other_village_clerk, "永安社区", "枫桥安置小区 二期工程"),
        (16, village_clerk, "枫一社区", "枫桥安置小区二期工程 "),
    ):
        dispute = register(
            world, clerk, body=village, region=village, when=at(2026, 3, day), project=project
        )
        ids.add(dispute.pk)
    # Two disputes about another project are not enough.
    for day in (3, 4):
        register(world, village_clerk, when=at(2026, 3, day), project="另一个项目")
    (warning,) = kinds(report(world), CLUSTER)
    assert {d["id"] for d in warning.disputes} == ids
    assert "枫桥安置小区二期工程" in warning.title and "项目" in warning.title


def test_disputes_spread_over_more_than_the_window_stay_quiet(world, village_clerk):
    for when in (at(2026, 1, 5), at(2026, 2, 10), at(2026, 3, 20)):
        register(
            world,
            village_clerk,
            when=when,
            parties=[person("applicant", "甲", ""), org("宏达公司")],
        )
    assert kinds(report(world), CLUSTER) == []


def test_a_matter_filed_again_by_the_same_parties_is_flagged_without_their_data(
    world, village_clerk
):
    first = register(world, village_clerk, when=at(2026, 1, 20))  # 张三 v 李四, with ID number
    again = register(world, village_clerk, when=at(2026, 3, 10))
    # The same names with other ID numbers are other people: no match.
    register(
        world,
        village_clerk,
        when=at(2026, 3, 12),
        parties=[
            person("applicant", "张三", "110101198001010010"),
            person("respondent", "李四", ""),
        ],
    )
    repeats = kinds(report(world), REPEAT)
    assert [{d["id"] for d in w.disputes} for w in repeats] == [{first.pk, again.pk}]
    text = str([w.as_dict() for w in repeats])
    for personal in ("张三", "李四", "330681199001011237", "13812345678"):
        assert personal not in text


def test_the_same_organisation_in_the_same_village_counts_as_the_same_matter(world, village_clerk):
    a = register(
        world,
        village_clerk,
        when=at(2026, 2, 1),
        parties=[person("applicant", "甲", ""), org("枫桥物业公司")],
    )
    b = register(
        world,
        village_clerk,
        when=at(2026, 3, 5),
        parties=[person("applicant", "乙", ""), org("枫桥物业公司")],
    )
    repeats = kinds(report(world), REPEAT)
    assert [{d["id"] for d in w.disputes} for w in repeats] == [{a.pk, b.pk}]
    assert repeats[0].url.endswith(f"ids={a.pk}%2C{b.pk}")


def test_different_matters_stay_quiet(world, village_clerk):
    for d in (2, 9, 16):
        register(
            world,
            village_clerk,
            when=at(2026, 3, d),
            parties=[
                person("applicant", f"甲{d}", resident_id(f"33068119900101{d:03d}")),
                person("respondent", f"乙{d}", ""),
            ],
        )
    rep = report(world)
    assert kinds(rep, REPEAT) == [] and kinds(rep, REOPENED) == [] and kinds(rep, CLUSTER) == []


def test_reopened_disputes_are_flagged(march, world):
    (warning,) = kinds(report(world), REOPENED)
    assert [d["id"] for d in warning.disputes] == [march[7].pk]
    assert "event=reopen" in warning.url


def test_a_town_head_sees_only_the_towns_warnings(
    client, world, village_clerk, town_head, other_town_head
):
    for d in (2, 9, 16):
        register(
            world,
            other_town_head,
            body="店口镇",
            region="店口社区居委会",
            when=at(2026, 3, d),
            parties=[person("applicant", f"甲{d}", ""), org("店口铜业公司")],
        )
    for d in (3, 10, 17):
        register(
            world,
            village_clerk,
            when=at(2026, 3, d),
            parties=[person("applicant", f"乙{d}", ""), org("枫桥纺织公司")],
        )
    params = {"period": "month", "on": "2026-03-01"}
    client.force_login(town_head)
    html = board(client, params)
    assert 'id="early-warnings"' in html
    assert "枫桥纺织公司" in html and "店口铜业公司" not in html
    client.force_login(other_town_head)
    html = board(client, params)
    assert "店口铜业公司" in html and "枫桥纺织公司" not in html
    # A warning's link lists exactly its disputes, for a reader who may see them.
    (warning,) = kinds(report(world, "店口镇"), CLUSTER)
    page = client.get(warning.url)
    assert {d.pk for d in page.context["page"].rows} == {d["id"] for d in warning.disputes}
    client.force_login(town_head)
    assert list(client.get(warning.url).context["page"].rows) == []


def test_the_dashboard_says_when_history_is_too_short(client, world, village_clerk, town_head):
    register(world, village_clerk, when=at(2026, 3, 2))
    client.force_login(town_head)
    assert "历史数据不足" in board(client, {"period": "month", "on": "2026-03-01"})


def test_the_agenda_carries_the_warnings(world, village_clerk, town_head):
    from jiefen.meetings.models import Meeting
    from jiefen.meetings.services import SeriesInput, series_save

    for d in (2, 3, 4):
        register(
            world,
            village_clerk,
            when=at(2026, 3, d),
            parties=[person("applicant", f"乙{d}", ""), org("枫桥纺织公司")],
        )
    series_save(
        actor=town_head,
        body=world.bodies["枫桥镇"],
        data=SeriesInput(cadence="half", place="会议室"),
        at=at(2026, 3, 10),
    )
    meeting = Meeting.objects.get(date=date(2026, 3, 13))
    warnings = meeting.agenda["warnings"]
    cluster = next(w for w in warnings if w["kind"] == CLUSTER)
    assert "枫桥纺织公司" in cluster["message"] and cluster["url"].startswith("/")
    assert len(cluster["dispute_ids"].split(",")) == 3
    assert "乙2" not in str(warnings)


def test_the_agenda_page_shows_the_warnings(client, world, village_clerk, town_head):
    from jiefen.meetings.models import Meeting
    from jiefen.meetings.services import SeriesInput, series_save

    for d in (2, 3, 4):
        register(
            world,
            village_clerk,
            when=at(2026, 3, d),
            parties=[person("applicant", f"乙{d}", ""), org("枫桥纺织公司")],
        )
    series_save(
        actor=town_head,
        body=world.bodies["枫桥镇"],
        data=SeriesInput(cadence="half", place="会议室"),
        at=at(2026, 3, 10),
    )
    meeting = Meeting.objects.get(date=date(2026, 3, 13))
    client.force_login(town_head)
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "预警提示" in html and "枫桥纺织公司" in html


def test_the_reader_shape_is_plain_values(world, village_clerk):
    for d in (2, 3, 4):
        register(
            world,
            village_clerk,
            when=at(2026, 3, d),
            parties=[person("applicant", f"乙{d}", ""), org("枫桥纺织公司")],
        )
    items = early_warnings(region=world.regions["枫桥镇"], start=START, end=END, today=TODAY)
    assert items and all(
        {"kind", "title", "explanation", "message", "region", "url", "disputes", "dispute_ids"}
        <= set(i)
        for i in items
    )
