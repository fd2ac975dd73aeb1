"""The dashboard as an .xlsx workbook: the indicators with their formulas and targets, the
sub-units, the category mix and the monthly trend — the same figures as the page."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from jiefen.lib import cells
from jiefen.metrics.dashboard import Dashboard
from jiefen.metrics.indicators import BY_KEY, COLUMNS, INDICATORS, Figure

PERCENT = "0.0%"


def _value(figure: Figure) -> Any:
    value = figure.value
    if value is None:
        return "—"
    if isinstance(value, Fraction):
        return float(value)
    return int(value)


def _met(figure: Figure) -> str:
    if figure.met is None:
        return "—" if figure.target else ""
    return _("达标") if figure.met else _("未达标")


def _header(sheet: Any, titles: list[str], widths: list[int]) -> None:
    sheet.append(cells.row(sheet, titles))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = f"A{sheet.max_row + 1}"


def workbook(board: Dashboard) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = _("指标")
    sheet.append(cells.row(sheet, [_("区划"), board.region.name, board.region.code]))
    sheet.append(
        cells.row(
            sheet,
            [_("统计期间"), board.period.label(), f"{board.period.start} — {board.period.end}"],
        )
    )
    sheet.append(cells.row(sheet, [_("期末时点"), board.as_of.isoformat()]))
    sheet.append([])
    _header(
        sheet,
        [_("指标"), _("数值"), _("分子"), _("分母"), _("目标"), _("是否达标"), _("定义与公式")],
        [28, 12, 10, 10, 12, 10, 90],
    )
    for indicator in INDICATORS:
        figure = board.figures[indicator.key]
        target = figure.target
        sheet.append(
            cells.row(
                sheet,
                [
                    str(indicator.name),
                    _value(figure),
                    figure.numerator if figure.denominator is not None else None,
                    figure.denominator,
                    target.describe() if target else "",
                    _met(figure),
                    str(indicator.definition),
                ],
            )
        )
        row = sheet.max_row
        if indicator.unit == "rate" and figure.value is not None:
            sheet.cell(row=row, column=2).number_format = PERCENT
        sheet.cell(row=row, column=7).alignment = Alignment(wrap_text=True, vertical="top")
        if indicator.key == "mass":
            sheet.cell(row=row, column=4).value = None
            sheet.append(cells.row(sheet, [_("群体性纠纷上年同期"), figure.last_year]))

    units = book.create_sheet(_("下级单位"))
    _header(
        units,
        [_("单位"), _("区划代码"), *_names(COLUMNS)],
        [24, 16, *([12] * len(COLUMNS))],
    )
    for row in board.rows:
        values = [row.name, row.code, *(_value(row.figures[key]) for key in COLUMNS)]
        units.append(cells.row(units, values))
        for i, key in enumerate(COLUMNS, start=3):
            if row.figures[key].indicator.unit == "rate" and row.figures[key].value is not None:
                units.cell(row=units.max_row, column=i).number_format = PERCENT

    mix = book.create_sheet(_("类别构成"))
    _header(mix, [_("类别"), _("登记件数"), _("占比")], [20, 12, 10])
    total = sum(item["count"] for item in board.mix)
    for item in board.mix:
        share = item["count"] / total if total else None
        mix.append(cells.row(mix, [item["category"], item["count"], share]))
        mix.cell(row=mix.max_row, column=3).number_format = PERCENT

    trend = book.create_sheet(_("月度趋势"))
    series = board.trend["series"]
    _header(
        trend,
        [_("月份"), *(s["name"] + (" (%)" if s["unit"] == "rate" else "") for s in series)],
        [10, *([14] * len(series))],
    )
    for row in board.trend["table"]:
        trend.append(cells.row(trend, row))
    return book


def _names(keys: tuple[str, ...]) -> list[str]:
    return [str(BY_KEY[key].name) for key in keys]
