"""Reading an import file: its columns and the words its cells take, the bytes decoded (.csv)
or unpacked within the archive limits (.xlsx), and its header and rows as raw cell values.
Nothing is checked here beyond what makes the file readable at all; a file that is not
raises FileError."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.disputes.models import Channel, Outcome, Route
from jiefen.lib.archives import ArchiveLimits, archive_problem

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header in the file; also how errors name the column
    required: bool
    help: Any  # explanation in the template's second sheet


COLUMNS = [
    Column("registered", "登记日期", True, gettext_lazy("格式 2025-03-01；不能晚于今天")),
    Column(
        "region",
        "事项所在地区划代码",
        True,
        gettext_lazy("12 位统计用区划代码（村/社区或乡镇），须在您的管辖范围内"),
    ),
    Column("category", "类别", True, gettext_lazy("见“取值说明”中的纠纷类别名称")),
    Column("channel", "来源", False, gettext_lazy("见取值说明；留空为“排查发现”")),
    Column("title", "事由", True, gettext_lazy("不超过 100 字")),
    Column("description", "简要情况", True, gettext_lazy("不超过 5000 字")),
    Column("people", "涉及人数", False, gettext_lazy("整数；留空为当事人人数")),
    Column("amount", "涉及金额（元）", False, gettext_lazy("不小于 0 的数字，可留空")),
    Column(
        "applicants",
        "申请人",
        True,
        gettext_lazy(
            "每人写“姓名，电话，证件号码”（电话、证件号码可空）；多人用“；”分隔。"
            "证件号码为统一社会信用代码的按单位登记"
        ),
    ),
    Column("respondents", "被申请人", False, gettext_lazy("格式同申请人")),
    Column("outcome", "结果", True, gettext_lazy("在办、达成调解协议、未达成协议、不予受理")),
    Column(
        "resolved",
        "办结日期",
        False,
        gettext_lazy("结果为达成调解协议、未达成协议或不予受理时必填；不早于登记日期"),
    ),
    Column(
        "notes",
        "结果说明",
        False,
        gettext_lazy("达成调解协议时填协议内容，不予受理时填理由（必填）；不超过 2000 字"),
    ),
    Column(
        "route", "建议途径", False, gettext_lazy("未达成协议时必填：诉讼、仲裁、行政程序、其他途径")
    ),
    Column("satisfaction", "满意度", False, gettext_lazy("回访满意度 1–5，可留空")),
    Column(
        "closed",
        "结案日期",
        False,
        gettext_lazy("已回访并结案的填写；须同时填写满意度，不早于办结日期"),
    ),
]
HEADERS = {c.header: c for c in COLUMNS}

OPEN = "open"
DECLINED = "declined"
OUTCOMES = {
    "在办": OPEN,
    "达成调解协议": Outcome.AGREEMENT,
    "未达成协议": Outcome.NO_AGREEMENT,
    "不予受理": DECLINED,
}
ROUTES = {
    str(label): value
    for value, label in zip(Route.values, ["诉讼", "仲裁", "行政程序", "其他途径"], strict=True)
}
CHANNELS = {
    "排查发现": Channel.SCREENING,
    "来访": Channel.WALK_IN,
    "来电": Channel.PHONE,
    "网上申请": Channel.ONLINE,
    "其他单位转来": Channel.REFERRAL,
    "12345 热线": Channel.HOTLINE,
    "12345热线": Channel.HOTLINE,
}


class FileError(Exception):
    """The file as a whole cannot be read (format, encoding, headers, size)."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(raw: bytes) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise FileError(_("无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的 CSV")) from None


def archive_limits() -> ArchiveLimits:
    from django.conf import settings

    return ArchiveLimits(**getattr(settings, "JIEFEN_ARCHIVE_LIMITS", {}))


def read_rows(
    raw: bytes, filename: str, columns: list[Column] | None = None
) -> tuple[list[str], list[list[Any]]]:
    """The header and the data rows of an .xlsx or .csv file, as raw cell values; the required
    `columns` (the disputes' by default) must be in the header."""
    if len(raw) > MAX_BYTES:
        raise FileError(_("文件过大（超过 20 MB），请分成几个文件导入"))
    name = filename.lower()
    if raw[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        import openpyxl

        problem = archive_problem(raw, archive_limits())
        if problem == "damaged":
            raise FileError(_("无法读取该 Excel 文件，请确认是 .xlsx 格式"))
        if problem is not None:
            # Before openpyxl inflates anything: a small file may unpack to gigabytes.
            raise FileError(
                _("该 Excel 文件解压后过大或结构异常，已拒绝；请另存为普通 .xlsx 后重试")
            )
        try:
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged or foreign file
            raise FileError(_("无法读取该 Excel 文件，请确认是 .xlsx 格式")) from None
        sheet = book.worksheets[0]
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        book.close()
    elif name.endswith(".csv") or name.endswith(".txt"):
        values = [list(r) for r in csv.reader(io.StringIO(_decode(raw)))]
    else:
        raise FileError(_("只支持 .xlsx 和 .csv 文件"))
    if not values:
        raise FileError(_("文件是空的"))
    header = [_text(v) for v in values[0]]
    rows = values[1:]
    # Trailing empty rows (Excel keeps formatted ones) are not data.
    while rows and all(_text(v) == "" for v in rows[-1]):
        rows.pop()
    if len(rows) > MAX_ROWS:
        raise FileError(
            _("一次最多导入 %(max)d 行，该文件有 %(n)d 行") % {"max": MAX_ROWS, "n": len(rows)}
        )
    missing = [c.header for c in columns or COLUMNS if c.required and c.header not in header]
    if missing:
        raise FileError(
            _("缺少必需的列：%(columns)s（请使用导入模板）") % {"columns": "、".join(missing)}
        )
    return header, rows


def digest_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
