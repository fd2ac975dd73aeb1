"""A city evaluator reads the town ratings, scores an office criterion with its evidence and
sees the town's rating change, then checks who has not reported a manual indicator — on a
phone, in Chromium."""

from decimal import Decimal

import pytest
from django.utils import timezone

from jiefen.conftest import sign_in
from jiefen.evaluation import services
from jiefen.evaluation.models import Assessment, ManualIndicator
from jiefen.metrics.periods import Period
from jiefen.org.models import BodyKind

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture
def coverage_reported_by_one_village(world, village_clerk):
    """A quarterly village indicator that 枫一社区 has reported this quarter, and the two other
    villages of the city have not."""
    indicator = ManualIndicator.objects.create(
        key="safe-community",
        name="平安社区创建覆盖率",
        unit="percent",
        body_kind=BodyKind.VILLAGE_GROUP,
        frequency="quarter",
        target_value=Decimal(90),
        direction="at_least",
    )
    services.manual_report(
        actor=village_clerk,
        indicator=indicator,
        body=world.bodies["枫一社区"],
        period_start=Period.containing("quarter", timezone.localdate()).start,
        value="95",
    )
    return indicator


def test_a_city_evaluator_scores_a_town_and_sees_who_has_not_reported(
    live_server, phone_page, world, scheme, city_evaluator, coverage_reported_by_one_village
):
    page = phone_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    year = timezone.localdate().year
    scheme.year = year  # the live server rates the current year
    scheme.save()
    sign_in(page, live_server, "evaluator_sx")
    page.goto(f"{live_server.url}/evaluation/")
    assert page.inner_text("h1") == f"绍兴市 · 考核评价 {year}"
    assert page.evaluate(FITS)

    page.click("ul.rows >> text=平安乡镇评定")
    page.wait_for_selector(f"h1:has-text('平安乡镇评定 {year}')")
    fengqiao = page.locator("table.ratings tr:has(th:has-text('枫桥镇'))")
    assert "未达标" in fengqiao.inner_text() and "1 项未评分" in fengqiao.inner_text()
    assert page.locator("table.ratings tbody tr").count() == 2  # 枫桥镇 and 店口镇
    assert page.evaluate(FITS)  # the wide table scrolls inside its own box

    fengqiao.locator("a:has-text('枫桥镇')").click()
    page.wait_for_selector(f"h1:has-text('枫桥镇 · {year} 年平安乡镇评定')")
    assert page.inner_text("#rating") == "未达标"
    assert "有 1 个考核办评分项尚未评分，暂按 0 分计。" in page.inner_text(".verdict")
    veto = page.locator("li.criterion:has-text('群体性纠纷未化解')")
    assert "未触发" in veto.inner_text()
    page.click("summary:has-text('计分规则')")
    assert page.is_visible("text=加权得分 = Σ(权重 × 得分) ÷ Σ权重")
    assert page.evaluate(FITS)

    work = scheme.criteria.get(name="平安建设工作")
    item = page.locator(f"#criterion-{work.pk}")
    assert "未评分（按 0 分计）" in item.inner_text()
    item.locator("summary:has-text('评分')").click()
    item.locator(f"input[name=c{work.pk}-score]").fill("95")
    item.locator("button:has-text('保存')").click()
    page.wait_for_selector("text=请填写依据（说明、链接或文号至少一项）。")  # evidence is required
    assert not Assessment.objects.exists()

    item = page.locator(f"#criterion-{work.pk}")
    item.locator(f"textarea[name=c{work.pk}-evidence]").fill("年终检查：台账齐全，矛调中心运行规范")
    item.locator(f"input[name=c{work.pk}-reference]").fill("绍平安办〔2026〕12号")
    item.locator("button:has-text('保存')").click()
    page.wait_for_selector("text=已保存“平安建设工作”的评定。")
    assert page.inner_text("#rating") == "一级"
    assert page.inner_text("#total").startswith("95")
    assert "年终检查：台账齐全" in page.inner_text(f"#criterion-{work.pk}")
    assert "孙丽" in page.inner_text(f"#criterion-{work.pk}")  # who scored it

    page.click("a:has-text('全县评定')")
    page.wait_for_selector(f"h1:has-text('诸暨市 · 平安乡镇评定 {year}')")
    fengqiao = page.locator("table.ratings tr:has(th:has-text('枫桥镇'))")
    assert "一级" in fengqiao.inner_text() and "未评分" not in fengqiao.inner_text()

    page.click("nav.subnav >> text=填报指标")
    row = page.locator("ul.rows li:has-text('平安社区创建覆盖率')")
    assert "已报 1 / 3，未报 2" in row.inner_text()  # the three villages of 诸暨市
    row.locator("a").click()
    page.wait_for_selector("h1:has-text('诸暨市 · 平安社区创建覆盖率')")
    assert "本期未报送（2）" in page.inner_text("main")
    missing = page.locator("#missing li").all_inner_texts()
    assert missing == ["店口社区居委会村（社区）调处工作组", "永安社区村（社区）调处工作组"]
    assert "枫一社区" in page.inner_text("#reported")
    assert page.evaluate(FITS)
    assert errors == []
