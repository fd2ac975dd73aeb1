"""Helpers for spreadsheet tests: build an import file row by row."""

import csv
import io

import openpyxl
import pytest

from jiefen.spreadsheets.importing import COLUMNS

GOOD = {
    "登记日期": "2025-03-01",
    "事项所在地区划代码": "330681109008",
    "类别": "邻里纠纷",
    "来源": "来访",
    "事由": "院墙位置争议",
    "简要情况": "两户因新砌院墙占用公共通道发生争执。",
    "涉及人数": "2",
    "涉及金额（元）": "",
    "申请人": "张三，13812345678，330681199001011237",
    "被申请人": "李四",
    "结果": "达成调解协议",
    "办结日期": "2025-03-10",
    "结果说明": "李四拆除占道部分，双方互不追究。",
    "建议途径": "",
    "满意度": "5",
    "结案日期": "2025-03-20",
}


def row(**changes):
    values = dict(GOOD)
    values.update(changes)
    return values


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    headers = [c.header for c in COLUMNS]
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(h, "") for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    headers = [c.header for c in COLUMNS]
    writer = csv.writer(out)
    writer.writerow(headers)
    for values in rows:
        writer.writerow([values.get(h, "") for h in headers])
    return out.getvalue().encode(encoding)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    import django_tasks.signals  # noqa: F401 - resets the task backends when TASKS changes

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Export files (and any upload) go to this test's own private storage."""
    settings.JIEFEN_UPLOAD_ROOT = tmp_path / "uploads"
    return settings.JIEFEN_UPLOAD_ROOT


@pytest.fixture
def export(client, django_capture_on_commit_callbacks):
    """Press export as the list page does (masked, or with a reason unmasked) for the list the
    query selects; the task backend runs the job once the request commits. Returns the answer
    to the press and the job."""
    from django.urls import reverse

    from jiefen.spreadsheets.models import ExportJob

    def press(query: str = "", reason: str | None = None):
        name = "spreadsheets:export" if reason is None else "spreadsheets:export_unmasked"
        url = reverse(name) + (f"?{query}" if query else "")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {} if reason is None else {"reason": reason})
        return response, ExportJob.objects.order_by("-id").first()

    return press


def download(client, job):
    from django.urls import reverse

    return client.get(reverse("spreadsheets:export_download", args=[job.pk]))


def content_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def sheet_rows(response):
    book = openpyxl.load_workbook(io.BytesIO(content_of(response)), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
