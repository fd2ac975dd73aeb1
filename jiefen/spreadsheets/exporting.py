"""Workbooks written by jiefen: the import template and the export of a dispute list.

The export walks the filtered list with the same keyset pagination as the list page
(selectors.dispute_list, page after page by id) and writes with openpyxl's write_only mode, so
memory stays flat however long the list. Parties' names, phones and ID numbers are masked
unless the actor gave a reason for an unmasked export; either way an ExportRecord is written.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.disputes.models import Category, Channel, Party, Side
from jiefen.disputes.reads import parties_in_order
from jiefen.disputes.selectors import dispute_list
from jiefen.lib import cells
from jiefen.lib.personal import mask_id, mask_name, mask_phone
from jiefen.spreadsheets.importing import CHANNELS, COLUMNS, OUTCOMES, ROUTES
from jiefen.spreadsheets.models import ExportRecord

PAGE = 500
# Seconds an export may take: it runs in the request, and the app process ends a request
# after 30 (gunicorn --timeout); past this the person is told to narrow the list instead of
# meeting a gateway error. The setting JIEFEN_EXPORT_TIME_LIMIT changes it.
TIME_LIMIT = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_workbook() -> bytes:
    """The import template: the header row, one example row, and a sheet of values."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _("纠纷")
    sheet.append(cells.row(sheet, [c.header for c in COLUMNS]))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    example = {
        "registered": date(2025, 3, 1).isoformat(),
        "region": "330681109008",
        "category": "邻里纠纷",
        "channel": "来访",
        "title": "院墙位置争议",
        "description": "两户因新砌院墙占用公共通道发生争执。",
        "people": "2",
        "amount": "",
        "applicants": "张三，13812345678，330681199001011237",
        "respondents": "李四",
        "outcome": "达成调解协议",
        "resolved": date(2025, 3, 10).isoformat(),
        "notes": "李四于 3 月 20 日前拆除占道部分，双方互不追究。",
        "route": "",
        "satisfaction": "5",
        "closed": date(2025, 3, 20).isoformat(),
    }
    sheet.append(cells.row(sheet, [example[c.key] for c in COLUMNS]))
    for index, column in enumerate(COLUMNS):
        letter = openpyxl.utils.get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = 14 if len(column.header) < 6 else 20
        # Codes and dates as text, so Excel keeps all 12 digits and does not guess formats.
        for row in (2,):
            sheet[f"{letter}{row}"].number_format = "@"

    values = book.create_sheet(_("取值说明"))
    values.append(cells.row(values, [_("列"), _("必填"), _("说明")]))
    for column in COLUMNS:
        required = _("是") if column.required else _("否")
        values.append(cells.row(values, [column.header, required, str(column.help)]))
    values.append([])
    values.append(cells.row(values, [_("类别"), _("代码")]))
    for category in Category.objects.filter(active=True).order_by("sort", "key"):
        values.append(cells.row(values, [category.name, category.key]))
    values.append([])
    values.append(cells.row(values, [_("结果"), _("含义")]))
    meaning = {
        "在办": _("已受理，尚未办结"),
        "达成调解协议": _("已办结，达成调解协议（结果说明填协议内容）"),
        "未达成协议": _("已办结，未达成协议（须填建议途径）"),
        "不予受理": _("不予受理（结果说明填理由）"),
    }
    for label in OUTCOMES:
        values.append(cells.row(values, [label, meaning[label]]))
    values.append([])
    values.append(cells.row(values, [_("建议途径"), *list(ROUTES)]))
    values.append(cells.row(values, [_("来源")] + [k for k in CHANNELS if k != "12345热线"]))
    values.column_dimensions["A"].width = 20
    values.column_dimensions["C"].width = 70
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _party_text(parties: list[Party], side: str, masked: bool) -> str:
    items = []
    for p in parties:
        if p.side != side:
            continue
        name, phone, id_number = p.name, p.phone or "", p.id_number or ""
        if masked:
            name, phone, id_number = mask_name(name), mask_phone(phone), mask_id(id_number)
        items.append("，".join(x for x in (name, phone, id_number) if x))
    return "；".join(items)


EXPORT_HEADERS = [
    "编号",
    "登记日期",
    "事项所在地区划代码",
    "发生地",
    "类别",
    "来源",
    "事由",
    "简要情况",
    "涉及人数",
    "涉及金额（元）",
    "申请人",
    "被申请人",
    "状态",
    "承办主体",
    "办理时限",
    "结果",
    "办结日期",
    "满意度",
    "结案日期",
]


def _rows(actor: Any, filters: dict[str, Any], masked: bool) -> Iterator[list[Any]]:
    after = None
    parties = Prefetch("parties", queryset=parties_in_order())
    outcome_label = {v: k for k, v in OUTCOMES.items()}
    channel_label = dict(Channel.choices)
    while True:
        page = dispute_list(actor, filters, after=after, size=PAGE)
        rows = page.rows
        if not rows:
            return
        # One query for the parties of the whole page.
        from django.db.models import prefetch_related_objects

        prefetch_related_objects(rows, parties)
        for d in rows:
            people = list(d.parties.all())
            yield [
                d.number,
                timezone.localdate(d.registered_at),
                str(d.region_code),
                d.region.name,
                d.category.name,
                str(channel_label.get(d.channel, d.channel)),
                d.title,
                d.description,
                d.people_involved,
                float(d.amount) if d.amount is not None else None,
                _party_text(people, Side.APPLICANT, masked),
                _party_text(people, Side.RESPONDENT, masked),
                d.get_status_display(),
                d.holder.name,
                d.due_date,
                outcome_label.get(d.outcome, "") if d.outcome else "",
                timezone.localdate(d.resolved_at or d.closed_at)
                if (d.resolved_at or d.closed_at)
                else None,
                d.satisfaction,
                timezone.localdate(d.closed_at) if d.closed_at and d.status == "closed" else None,
            ]
        if page.next_after is None:
            return
        after = page.next_after


def _abandon(sheet: Any) -> None:
    """Drop a write-only sheet half-written: close its writer and remove its temporary file."""
    writer = getattr(sheet, "_writer", None)
    if writer is None:
        return
    with contextlib.suppress(Exception):
        sheet._rows.close()
    with contextlib.suppress(Exception):
        writer.close()
    with contextlib.suppress(Exception):
        writer.cleanup()


class ExportTooSlow(Exception):
    """The export passed its time limit; nothing was sent or recorded."""

    def __init__(self, seconds: float, rows: int) -> None:
        super().__init__(seconds, rows)
        self.message = _(
            "导出超过 %(seconds)s 秒仍未完成，已停止（已写 %(rows)d 行，未导出）。"
            "请缩小筛选范围（如按登记日期分段）后分批导出。"
        ) % {"seconds": f"{seconds:g}", "rows": rows}


def export_workbook(
    *, actor: Any, filters: dict[str, Any], masked: bool = True, reason: str = ""
) -> tuple[bytes, ExportRecord]:
    """The actor's filtered list as .xlsx, and the record of the export. Only disputes in the
    actor's jurisdiction: dispute_list reads through access.disputes_for."""
    import openpyxl

    reason = (reason or "").strip()
    if not masked and not reason:
        raise ValueError("an unmasked export needs a reason")
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(_("纠纷"))
    sheet.append(cells.row(sheet, EXPORT_HEADERS))
    count = 0
    limit = float(getattr(settings, "JIEFEN_EXPORT_TIME_LIMIT", TIME_LIMIT))
    ends = time.monotonic() + limit
    for row in _rows(actor, filters, masked):
        sheet.append(cells.row(sheet, row))
        count += 1
        if time.monotonic() > ends:
            _abandon(sheet)
            raise ExportTooSlow(limit, count)
    out = io.BytesIO()
    book.save(out)
    record = ExportRecord.objects.create(
        actor=actor, filters=_plain(filters), rows=count, masked=masked, reason=reason[:200]
    )
    return out.getvalue(), record


def _plain(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as JSON: keys of objects, dates as ISO text; empty ones left out."""

    def one(value: Any) -> Any:
        if hasattr(value, "key"):
            return value.key
        if hasattr(value, "isoformat"):
            return value.isoformat()
        if hasattr(value, "pk"):
            return value.pk
        return value if isinstance(value, (str, int, float, bool)) else str(value)

    plain: dict[str, Any] = {}
    for key, value in filters.items():
        if value in (None, "", False) or (hasattr(value, "__len__") and len(value) == 0):
            continue
        if isinstance(value, (list, tuple, set)) or hasattr(value, "model"):
            plain[key] = [one(v) for v in value]
        else:
            plain[key] = one(value)
    return plain
