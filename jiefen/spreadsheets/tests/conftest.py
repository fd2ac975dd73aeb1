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
