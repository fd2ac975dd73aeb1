"""Workbooks written by jiefen: the import template and the export of a dispute list.

The export walks the filtered list with the same keyset pagination as the list page
(selectors.dispute_list, page after page by id) and writes with openpyxl's write_only mode, so
memory stays flat however long the list. It runs as a task (ExportJob, tasks.export_task),
never in a request: the person waits on the job's page, under the task's time limit
(jiefen.ops.worker.TIME_LIMITS). Parties' names, phones and ID numbers are masked unless the
actor gave a reason for an unmasked export; each download writes an ExportRecord.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiefen.disputes.models import Category, Channel, Party, Side, Status
from jiefen.disputes.reads import parties_in_order
from jiefen.disputes.selectors import dispute_list
from jiefen.lib import cells
from jiefen.lib.personal import mask_id, mask_name, mask_phone
from jiefen.lib.sealed import seal_bytes
from jiefen.ops.worker import TaskStopped, TaskTimedOut
from jiefen.spreadsheets.importing import CHANNELS, COLUMNS, OUTCOMES, ROUTES

PAGE = 500
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
    # Into a list on each dispute: d.parties.all() would build a queryset per row.
    parties = Prefetch("parties", queryset=parties_in_order(), to_attr="export_parties")
    outcome_label = {v: k for k, v in OUTCOMES.items()}
    channel_label = dict(Channel.choices)
    # Translated once: get_status_display() translates every choice again for every row.
    status_label = {key: str(label) for key, label in Status.choices}
    while True:
        page = dispute_list(actor, filters, after=after, size=PAGE)
        rows = page.rows
        if not rows:
            return
        # One query for the parties of the whole page.
        from django.db.models import prefetch_related_objects

        prefetch_related_objects(rows, parties)
        for d in rows:
            people = d.export_parties  # type: ignore[attr-defined]
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
                status_label.get(d.status, d.status),
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


def write_workbook(
    out: IO[bytes],
    *,
    actor: Any,
    filters: dict[str, Any],
    masked: bool = True,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the actor's filtered list as .xlsx to `out`; returns the number of rows. Only
    disputes in the actor's jurisdiction: dispute_list reads through access.disputes_for. Reads
    only, page after page (PAGE rows each, a statement or two apiece: no long transaction);
    `progress(rows)` is called after each page."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(_("纠纷"))
    sheet.append(cells.row(sheet, EXPORT_HEADERS))
    count = 0
    try:
        for row in _rows(actor, filters, masked):
            sheet.append(cells.row(sheet, row))
            count += 1
            if progress is not None and count % PAGE == 0:
                progress(count)
    except BaseException:
        _abandon(sheet)
        raise
    book.save(out)
    return count


# --- the export job, run by the task worker ----------------------------------------------------


class StaleFilters(Exception):
    """The job's filters no longer read as a filter (a category removed since, say)."""


def job_filters(job: Any) -> dict[str, Any]:
    """The filters of the job's list, read again from its query as the list page reads them,
    in the actor's jurisdiction of now."""
    from django.http import QueryDict

    from jiefen.disputes.forms import FilterForm

    form = FilterForm(QueryDict(job.query) or None, actor=job.actor)
    if not form.is_bound:
        return {}
    if not form.is_valid():
        raise StaleFilters
    return dict(form.cleaned_data)


def run_export(job_id: int) -> Any:
    """Build an ExportJob's workbook into the private storage. Whatever stops it — an error,
    the task's time limit, the worker stopping — the job ends "failed" with the reason on its
    page, and the exception goes on to the task worker."""
    from jiefen.attachments.storage import random_name, upload_storage
    from jiefen.spreadsheets.models import ExportJob

    exports_expire()
    job = ExportJob.objects.select_related("actor").get(pk=job_id)
    if job.status != ExportJob.State.QUEUED:
        return job
    job.status = ExportJob.State.RUNNING
    job.save(update_fields=["status"])

    def record(rows: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows=rows)  # audit-exempt: progress counter

    storage = upload_storage()
    with translation.override(job.language):
        try:
            filters = job_filters(job)
            with tempfile.TemporaryFile() as out:
                count = write_workbook(
                    out, actor=job.actor, filters=filters, masked=job.masked, progress=record
                )
                size = out.tell()
                out.seek(0)
                # Encrypted at rest like the fields: an unmasked workbook holds every number.
                sealed = ContentFile(seal_bytes(out.read()))
                stored = storage.save(f"exports/{random_name()}", sealed)
        except StaleFilters:
            job_failed(job, _("列表的筛选条件已失效（如类别已停用），请回到列表重新筛选后导出。"))
            return job
        except TaskStopped as stop:
            job_failed(job, stop_reason(stop))
            raise
        except BaseException:
            job_failed(job, _("导出因系统错误中断，请重新导出。"))
            raise
    try:
        job.status = ExportJob.State.DONE
        job.rows = count
        job.size = size
        job.stored_name = stored
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "rows", "size", "stored_name", "finished_at"])
    except BaseException:
        storage.delete(stored)
        raise
    return job


def stop_reason(stop: BaseException) -> str:
    if isinstance(stop, TaskTimedOut):
        return _(
            "导出超过 %(minutes)d 分钟的时限，已中止。"
            "请缩小筛选范围（如按登记日期分段）后分批导出。"
        ) % {"minutes": max(1, round(stop.seconds / 60))}
    return _("导出因系统停止服务而中断，请重新导出。")


def job_failed(job: Any, reason: str) -> None:
    """End a job that did not finish: "failed", with the reason its page shows."""
    from jiefen.spreadsheets.models import ExportJob

    job.refresh_from_db()
    if not job.running:
        return
    job.status = ExportJob.State.FAILED
    job.failure = reason[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "failure", "finished_at"])


def exports_expire(now: datetime | None = None, **_kw: Any) -> int:
    """Remove the files of exports built more than a day ago (KEEP) and end the jobs that never
    ran within a day; a sweep hook, and run before every export. Returns the jobs ended."""
    from jiefen.attachments.storage import upload_storage
    from jiefen.spreadsheets.models import ExportJob

    cutoff = (now or timezone.now()) - ExportJob.KEEP
    storage = upload_storage()
    ended = 0
    for job in ExportJob.objects.filter(status=ExportJob.State.DONE, finished_at__lt=cutoff):
        name = job.stored_name
        job.status = ExportJob.State.EXPIRED
        job.stored_name = ""
        job.save(update_fields=["status", "stored_name"])
        if name:
            storage.delete(name)
        ended += 1
    stuck = ExportJob.objects.filter(
        status__in=(ExportJob.State.QUEUED, ExportJob.State.RUNNING), created_at__lt=cutoff
    )
    for job in stuck.select_related("actor"):
        with translation.override(job.language):
            job_failed(job, _("导出未能在一天内完成，请重新导出。"))
        ended += 1
    return ended


def plain_filters(filters: dict[str, Any]) -> dict[str, Any]:
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
