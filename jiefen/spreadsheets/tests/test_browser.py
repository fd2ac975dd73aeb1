"""Importing a village's ledger, on a phone, in Chromium (the export: test_browser_export.py).

The import runs as a task on the project's task backend (the database queue of `make run`);
here the worker step runs in the test's own thread while the browser polls, and it waits at each
progress record until the browser shows it, so the moving bar is seen, not assumed.

The test database lives in memory, where a second connection finding a table busy fails at once
instead of waiting as it does on the real database file. So the page's requests are held by the
browser while the worker writes and go on while it waits: the order a real request meets when it
waits for the writer's lock.
"""

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django_tasks_db.management.commands.db_worker import Worker

from jiefen.conftest import sign_in
from jiefen.disputes.models import Dispute
from jiefen.spreadsheets import importing
from jiefen.spreadsheets.importing import COLUMNS
from jiefen.spreadsheets.models import ImportJob
from jiefen.spreadsheets.tests.conftest import row, xlsx

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"
BAR = "progress[data-field=percent]"


@pytest.fixture(autouse=True)
def _immediate_tasks():
    """Unlike the other spreadsheet tests, the upload goes to the real queue (settings.TASKS)
    and a worker takes it from there; running it at once would leave nothing to watch."""


@pytest.fixture
def console_errors(phone_page):
    errors = []
    phone_page.on("pageerror", lambda error: errors.append(str(error)))
    phone_page.on(
        "console", lambda message: message.type == "error" and errors.append(message.text)
    )
    return errors


def downloaded(page, link) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(link)
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def upload(page, name: str, content: bytes) -> ImportJob:
    page.set_input_files(
        "input[name=file]",
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": content}],
    )
    page.click("button.primary:has-text('上传并导入')")
    page.wait_for_url("**/import/*/")
    return ImportJob.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))


def work_the_queue(page, monkeypatch) -> list[int]:
    """One pass of the task worker over the queue. At every progress record the worker waits
    until the page's bar shows it; returns the values the page showed between 0 and 100."""
    shown = []
    run = importing.jobs.import_file
    # Handlers of held requests run only while the test thread is inside a Playwright call.
    page.route("**/progress.json", lambda route: route.continue_())

    def import_file_watched(*args, progress, **kwargs):
        def record(phase, done, total):
            progress(phase, done, total)
            job = ImportJob.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
            if 0 < job.percent < 100:
                page.wait_for_function(
                    f"p => document.querySelector('{BAR}').value === p", arg=job.percent
                )
                shown.append(page.eval_on_selector(BAR, "bar => bar.value"))

        return run(*args, progress=record, **kwargs)

    monkeypatch.setattr(importing.jobs, "import_file", import_file_watched)
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
    monkeypatch.setattr(importing.jobs, "import_file", run)
    return shown


def ledger(n: int, bad: dict[int, dict] | None = None) -> bytes:
    """n rows of a village's ledger (outcomes mixed), some of them replaced by bad ones."""
    shapes = [
        {},
        {"结果": "在办", "办结日期": "", "结果说明": "", "满意度": "", "结案日期": ""},
        {"结果": "未达成协议", "建议途径": "诉讼", "结果说明": "", "满意度": "", "结案日期": ""},
    ]
    rows = [row(**{"事由": f"台账第 {i + 1} 件", **shapes[i % len(shapes)]}) for i in range(n)]
    for index, changes in (bad or {}).items():
        rows[index] = row(**changes)
    return xlsx(rows)


def test_a_village_clerk_imports_a_ledger_of_300_disputes_and_watches_it_progress(
    live_server, phone_page, console_errors, monkeypatch, village_clerk
):
    page = phone_page
    sign_in(page, live_server, "clerk_fengyi")
    page.goto(f"{live_server.url}/disputes/")
    page.click("text=导入历史纠纷")
    page.wait_for_selector("h1:has-text('导入历史纠纷')")
    assert "请先下载导入模板" in page.inner_text("main")
    assert page.evaluate(FITS)

    name, template = downloaded(page, "text=下载导入模板（.xlsx）")
    assert name.endswith(".xlsx") and template.startswith(b"PK")
    book = openpyxl.load_workbook(io.BytesIO(template))
    header = [cell.value for cell in book.worksheets[0][1]]
    assert header == [c.header for c in COLUMNS]
    assert header[:3] == ["登记日期", "事项所在地区划代码", "类别"]

    job = upload(page, "枫一社区台账.xlsx", ledger(300))
    assert job.status == ImportJob.State.QUEUED and Dispute.objects.count() == 0
    page.wait_for_selector("h1:has-text('导入任务')")
    assert page.inner_text("[data-field=status_label]") == "排队中"
    assert page.evaluate(FITS)

    shown = work_the_queue(page, monkeypatch)

    assert len(shown) >= 3 and shown == sorted(shown), shown  # checked, then written
    assert all(0 < value < 100 for value in shown)
    job.refresh_from_db()
    assert job.status == ImportJob.State.DONE and job.rows_done == 300
    page.wait_for_selector("text=已导入 300 件纠纷")  # the page reloaded itself when done
    assert page.eval_on_selector(BAR, "bar => bar.value") == 100
    assert page.inner_text("[data-field=status_label]") == "已完成"
    numbers = page.inner_text("dd.num")
    assert numbers == f"{job.first_number} – {job.last_number}"
    assert job.first_number.startswith("330681109-2025-")
    assert page.evaluate(FITS)

    page.click("text=查看纠纷列表")
    page.wait_for_selector("h1:has-text('纠纷列表')")
    listed = page.inner_text("ul.rows")
    assert job.last_number in listed and "台账第 300 件" in listed
    assert Dispute.objects.count() == 300
    assert console_errors == []


def test_a_file_with_bad_rows_is_refused_until_the_head_chooses_to_import_the_valid_ones(
    live_server, phone_page, console_errors, monkeypatch, town_head
):
    page = phone_page
    sign_in(page, live_server, "head_fengqiao")
    page.goto(f"{live_server.url}/disputes/")
    assert "没有纠纷" in page.inner_text("ul.rows")
    page.click("text=导入历史纠纷")
    bad = {
        3: {"事项所在地区划代码": "330681104004"},  # 店口镇: not the head's town
        6: {"申请人": "张三，1381234", "登记日期": "2025-13-01"},
    }
    job = upload(page, "永安社区台账.xlsx", ledger(12, bad))
    work_the_queue(page, monkeypatch)

    page.wait_for_selector("text=文件有错误，未导入任何一行")
    job.refresh_from_db()
    assert job.status == ImportJob.State.REFUSED and job.rows_invalid == 2
    table = page.locator("table.sheets-errors tr")
    cells = [row.locator("td").all_inner_texts() for row in table.all()[1:]]
    assert [(cell[0], cell[1]) for cell in cells] == [
        ("5", "事项所在地区划代码"),
        ("8", "登记日期"),
        ("8", "申请人"),
    ]
    assert "区划代码不存在或不在您的管辖范围内" in cells[0][2]
    assert page.evaluate(FITS)
    page.goto(f"{live_server.url}/disputes/")
    assert "没有纠纷" in page.inner_text("ul.rows")  # nothing imported, not even the valid rows
    assert Dispute.objects.count() == 0
    page.go_back()

    name, report = downloaded(page, "text=下载错误报告（CSV）")
    assert name == f"import-{job.pk}-errors.csv"
    lines = list(csv.reader(io.StringIO(report.decode("utf-8-sig"))))
    assert lines[0] == ["行号", "列", "错误"]
    assert [line[:2] for line in lines[1:]] == [
        ["5", "事项所在地区划代码"],
        ["8", "登记日期"],
        ["8", "申请人"],
    ]

    offer = page.locator("form[action$='/valid-only/']")
    assert "只导入 10 行有效数据，跳过 2 行有错误的数据" in offer.inner_text()
    offer.locator("button:has-text('确认只导入有效行')").click()
    page.wait_for_url("**/import/*/")
    retry = ImportJob.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert retry.pk != job.pk and retry.valid_only
    work_the_queue(page, monkeypatch)

    page.wait_for_selector("text=已导入 10 件纠纷")
    job.refresh_from_db()
    assert job.status == ImportJob.State.DISCARDED and job.content == b""
    page.click("text=查看纠纷列表")
    listed = page.inner_text("ul.rows")
    assert "台账第 1 件" in listed and "台账第 4 件" not in listed and "台账第 7 件" not in listed
    assert Dispute.objects.count() == 10
    assert console_errors == []
