"""Manual indicators: bodies of the reporting kind report one value per period; corrections
keep who and when; the pages list who has not reported, within the actor's region."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiefen.evaluation import services
from jiefen.evaluation.models import ManualIndicator, ManualReport, ManualReportRevision
from jiefen.evaluation.selectors import manual_status
from jiefen.org.models import BodyKind

NOW = datetime(2026, 5, 10, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
Q2 = date(2026, 4, 1)


@pytest.fixture
def coverage(db):
    return ManualIndicator.objects.create(
        key="safe-community",
        name="平安社区创建覆盖率",
        unit="percent",
        body_kind=BodyKind.VILLAGE_GROUP,
        frequency="quarter",
        target_value=Decimal(90),
        direction="at_least",
    )


def test_a_village_reports_and_a_correction_keeps_the_earlier_value(world, village_clerk, coverage):
    body = world.bodies["枫一社区"]
    services.manual_report(actor=village_clerk, indicator=coverage, body=body, period_start=Q2,
                           value="80", at=NOW)  # fmt: skip
    services.manual_report(actor=village_clerk, indicator=coverage, body=body, period_start=Q2,
                           value="95", note="补充两个小区", at=NOW)  # fmt: skip
    report = ManualReport.objects.get()
    assert (report.value, report.period_end, report.by) == (Decimal(95), date(2026, 6, 30),
                                                            village_clerk)  # fmt: skip
    assert [r.value for r in ManualReportRevision.objects.order_by("id")] == [80, 95]


def test_the_missing_reporters_are_listed_within_the_region(
    world, village_clerk, coverage, town_head
):
    services.manual_report(actor=village_clerk, indicator=coverage, body=world.bodies["枫一社区"],
                           period_start=Q2, value="80", at=NOW)  # fmt: skip
    fengqiao = manual_status(coverage, world.regions["枫桥镇"], NOW.date())
    assert [b.name for b in fengqiao.missing] == ["永安社区村（社区）调处工作组"]
    assert (fengqiao.expected, fengqiao.missing_count) == (2, 1)
    assert fengqiao.reported[0][1] is False  # 80 % < 90 %
    county = manual_status(coverage, world.regions["诸暨市"], NOW.date())
    assert {b.name for b in county.missing} == {
        "永安社区村（社区）调处工作组", "店口社区居委会村（社区）调处工作组"
    }  # fmt: skip


def test_the_page_shows_a_town_head_only_the_towns_missing_reporters(
    client, world, town_head, coverage
):
    client.force_login(town_head)
    response = client.get(reverse("evaluation:manual_detail", args=["safe-community"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "永安社区村（社区）调处工作组" in html and "店口社区" not in html
    outside = client.get(reverse("evaluation:manual_detail", args=["safe-community"]),
                         {"region": world.regions["店口镇"].code})  # fmt: skip
    assert outside.status_code == 404


@pytest.mark.parametrize(
    ("value", "period", "field", "message"),
    [
        ("120", Q2, "value", "百分比必须在 0 到 100 之间。"),
        ("-1", Q2, "value", "数值不能为负数。"),
        ("80", date(2025, 10, 1), "period", "只能填报本期或上一期。"),
    ],
)
def test_bad_reports_are_refused_with_a_message(
    world, village_clerk, coverage, value, period, field, message
):
    with pytest.raises(ValidationError) as error:
        services.manual_report(actor=village_clerk, indicator=coverage,
                               body=world.bodies["枫一社区"], period_start=period, value=value,
                               at=NOW)  # fmt: skip
    assert message in error.value.message_dict[field]
    assert not ManualReport.objects.exists()


def test_only_the_bodys_own_staff_report_for_it(world, other_village_clerk, coverage):
    with pytest.raises(PermissionDenied):
        services.manual_report(actor=other_village_clerk, indicator=coverage,
                               body=world.bodies["枫一社区"], period_start=Q2, value="1",
                               at=NOW)  # fmt: skip


def test_a_body_of_another_kind_cannot_report_it(world, town_head, coverage):
    with pytest.raises(ValidationError) as error:
        services.manual_report(actor=town_head, indicator=coverage, body=world.bodies["枫桥镇"],
                               period_start=Q2, value="1", at=NOW)  # fmt: skip
    assert "该指标不由本单位填报。" in error.value.message_dict["indicator"]


def test_the_report_form_saves_for_the_clerks_village(client, world, village_clerk, coverage):
    from django.utils import timezone

    from jiefen.metrics.periods import Period

    current = Period.containing("quarter", timezone.localdate()).start
    client.force_login(village_clerk)
    assert "平安社区创建覆盖率" in client.get(reverse("evaluation:report")).content.decode()
    body = world.bodies["枫一社区"]
    prefix = f"r{body.pk}-{coverage.pk}"
    url = reverse("evaluation:report_save", args=[body.pk, coverage.key])
    response = client.post(url, {f"{prefix}-period": current.isoformat(), f"{prefix}-value": "101"})
    assert response.status_code == 400
    assert "百分比必须在 0 到 100 之间。" in response.content.decode()
    response = client.post(url, {f"{prefix}-period": current.isoformat(), f"{prefix}-value": "88"})
    assert response.status_code == 302
    assert ManualReport.objects.get().value == 88
    other = world.bodies["永安社区"]
    assert client.post(reverse("evaluation:report_save", args=[other.pk, coverage.key]),
                       {}).status_code == 404  # fmt: skip
