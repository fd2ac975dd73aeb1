"""Going back to the filing form keeps the place chosen: the town and village lists that
portal.js filled come back filled and chosen, after a page in between and after a refused
submission, at phone and desktop size."""

import pytest

from jiefen.tests.journeys import SIZES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _choose_place(page):
    page.select_option("select[name=county]", label="绍兴市 诸暨市")
    page.wait_for_selector("select[name=town] option:has-text('枫桥镇')", state="attached")
    page.select_option("select[name=town]", label="枫桥镇")
    page.wait_for_selector("select[name=village] option:has-text('枫一社区')", state="attached")
    page.select_option("select[name=village]", label="枫一社区")


def _chosen(page, name):
    return page.eval_on_selector(
        f"select[name={name}]",
        "s => s.selectedIndex >= 0 ? s.options[s.selectedIndex].text : ''",
    )


def _wait_chosen(page, town, village):
    page.wait_for_function(
        """([town, village]) => {
            const t = document.querySelector('select[name=town]');
            const v = document.querySelector('select[name=village]');
            const shown = s => s.selectedIndex >= 0 ? s.options[s.selectedIndex].text : '';
            return shown(t) === town && shown(v) === village && !t.disabled && !v.disabled;
        }""",
        arg=[town, village],
        timeout=5000,
    )


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_going_back_to_the_form_keeps_the_town_and_village(
    live_server, chromium, world, size, tmp_path
):
    context = chromium.new_context(viewport=SIZES[size], locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server.url}/public/")
        _choose_place(page)
        page.fill("input[name=title]", "工资被拖欠")
        # Another page, then back.
        page.click("a[href='/public/follow/']")
        page.wait_for_selector("input[name=code]")
        page.go_back()
        page.wait_for_selector("select[name=county]")
        _wait_chosen(page, "枫桥镇", "枫一社区")
        assert _chosen(page, "county") == "绍兴市 诸暨市"
        page.screenshot(path=str(tmp_path / f"back-{size}.png"), full_page=True)
        # And forward and back once more.
        page.go_forward()
        page.wait_for_selector("input[name=code]")
        page.go_back()
        page.wait_for_selector("select[name=county]")
        _wait_chosen(page, "枫桥镇", "枫一社区")
    finally:
        context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_refused_submission_and_going_back_keep_the_town_and_village(
    live_server, chromium, world, size, tmp_path
):
    context = chromium.new_context(viewport=SIZES[size], locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server.url}/public/")
        _choose_place(page)
        page.fill("input[name=title]", "工资被拖欠")
        page.click("button.primary:has-text('提交申请')")  # the rest missing: refused
        page.wait_for_selector(".error-summary")
        _wait_chosen(page, "枫桥镇", "枫一社区")
        assert page.input_value("input[name=title]") == "工资被拖欠"
        page.screenshot(path=str(tmp_path / f"refused-{size}.png"), full_page=True)
        # Choosing another town on the refused page still fills the villages anew.
        page.select_option("select[name=town]", label="店口镇")
        page.wait_for_function(
            "() => [...document.querySelector('select[name=village]').options]"
            ".some(o => o.text.includes('店口'))"
        )
        assert _chosen(page, "village") == "请选择"
        # The refused page itself is never cached (nothing stays on a shared computer), so
        # back leads to the form as it was before the submission, place chosen.
        page.go_back()
        page.wait_for_selector("select[name=county]")
        _wait_chosen(page, "枫桥镇", "枫一社区")
        assert page.input_value("input[name=title]") == "工资被拖欠"
    finally:
        context.close()
