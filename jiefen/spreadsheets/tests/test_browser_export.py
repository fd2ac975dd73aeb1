"""A town clerk exports a filtered list, on a phone and on a desk, in Chromium: the press
answers with the job's page at once, the task worker builds the file, the page refreshes itself
and offers the download, and the file holds the filtered list, masked.

The export goes to the real queue (settings.TASKS) and a worker pass runs in the test's own
thread. The job's page is held by the browser while the worker writes (its reloads are
answered only while the test thread is inside a Playwright call), as in test_browser.py: the
test database lives in memory, where a second connection finding a table busy fails at once.
"""

import io
from pathlib import Path

import openpyxl
import pytest
from django_tasks_db.management.commands.db_worker import Worker

from jiefen.conftest import sign_in
from jiefen.disputes.models import Category
from jiefen.disputes.services import PartyInput
from jiefen.disputes.tests.conftest import register
from jiefen.org.models import Role
from jiefen.spreadsheets.models import ExportJob, ExportRecord

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"
SIZES = {"phone": (390, 844), "desk": (1280, 900)}


@pytest.fixture(autouse=True)
def _immediate_tasks():
    """Unlike the other spreadsheet tests, the press goes to the real queue and a worker takes
    it from there; running it at once would leave no job page to watch."""


@pytest.fixture(params=list(SIZES))
def sized_page(request, chromium):
    width, height = SIZES[request.param]
    context = chromium.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.size_name = request.param
    yield page
    context.close()


@pytest.fixture
def town_clerk(world):
    """枫桥镇's clerk: registers and follows the disputes of the whole town."""
    return world.person("clerk_fengqiao", "周晓燕", "枫桥镇", Role.CLERK)


def work_the_queue() -> None:
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test",
        excluded_queue_names=[],
    ).run()


def test_a_town_clerk_exports_the_filtered_list_and_downloads_it_from_the_job_page(
    live_server, sized_page, world, village_clerk, other_village_clerk, town_clerk
):
    page = sized_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    labour = Category.objects.get(key="labour")
    for i in range(3):
        register(world, village_clerk, title=f"邻里纠纷第 {i + 1} 件")
    register(
        world,
        other_village_clerk,
        body="永安社区",
        region="永安社区",
        title="工资拖欠",
        category=labour,
        parties=[PartyInput(side="applicant", name="王五", phone="13900001111")],
    )
    sign_in(page, live_server, "clerk_fengqiao")
    page.goto(f"{live_server.url}/disputes/")

    if not page.is_visible("select[name=category]"):  # folded on a phone
        page.click("#filters summary")
    page.select_option("select[name=category]", str(labour.pk))
    page.click("#filter-form button[type=submit]")
    page.wait_for_url(f"**/disputes/?*category={labour.pk}*")
    assert "工资拖欠" in page.inner_text("ul.rows")
    assert "邻里纠纷第 1 件" not in page.inner_text("ul.rows")
    page.screenshot(path=f"/tmp/export_{page.size_name}_list_filtered.png")

    page.click("button:has-text('导出 Excel（已脱敏）')")
    page.wait_for_url("**/sheets/export/*/")
    job = ExportJob.objects.get()
    assert job.status == ExportJob.State.QUEUED and job.filters == {"category": "labour"}
    assert page.inner_text("h1") == "导出"
    assert "排队中" in page.inner_text(".export-job")
    assert page.locator("header").count() == 1  # the site's own layout
    assert page.evaluate(FITS)
    page.screenshot(path=f"/tmp/export_{page.size_name}_queued.png", full_page=True)

    # Held while the worker writes.
    page.route("**/sheets/export/*/", lambda route: route.continue_())
    work_the_queue()

    link = page.locator("a:has-text('下载表格（.xlsx）')")
    link.wait_for()  # the page reloaded itself
    assert "已完成" in page.inner_text(".export-job")
    assert page.evaluate(FITS)
    page.screenshot(path=f"/tmp/export_{page.size_name}_done.png", full_page=True)
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"disputes-{job.pk}.xlsx"
    data = Path(download.path()).read_bytes()
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    text = "\n".join(str(cell) for r in rows for cell in r if cell is not None)
    assert [r[6] for r in rows[1:]] == ["工资拖欠"]
    assert "139****1111" in text and "13900001111" not in text
    assert ExportRecord.objects.get().job == job

    page.goto(f"{live_server.url}/sheets/export/")
    assert "最近的导出" in page.inner_text("main") and "已完成" in page.inner_text("main")
    page.screenshot(path=f"/tmp/export_{page.size_name}_list.png", full_page=True)
    assert errors == []
