"""The one writer of spreadsheet cells that may hold people's text (CSV injection, OWASP).

Text that a spreadsheet would read as a formula or a command — starting with `=`, `+`, `-`,
`@`, a tab or a carriage return — is written with a leading apostrophe, as OWASP's "CSV
Injection" page advises, and in .xlsx always as a string cell, never a formula. Numbers,
dates and None keep their types. Every workbook and CSV jiefen writes goes through `cell` /
`row` (openpyxl) or `csv_row`; a test scans the generated files for formula cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(text: str) -> str:
    """`text` as a spreadsheet shows it literally: an apostrophe before a dangerous start."""
    return "'" + text if text.startswith(DANGEROUS_START) else text


def _xml_safe(text: str) -> str:
    # Text stored before the input rule may hold control characters a workbook cannot carry.
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A row for csv.writer: every text neutralised (the csv module quotes as needed)."""
    return ["" if v is None else neutral(v) if isinstance(v, str) else v for v in values]


def cell(sheet: Any, value: Any) -> Any:
    """A value for sheet.append: text becomes a string cell (openpyxl would otherwise make a
    formula of anything starting with `=`); other values are left as they are."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell

    made = WriteOnlyCell(sheet) if _write_only(sheet) else Cell(sheet)
    made.value = neutral(_xml_safe(value))
    made.data_type = "s"
    return made


def row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    return [cell(sheet, v) for v in values]


def put(sheet: Any, *, row: int, column: int, value: Any) -> Any:
    """sheet.cell(row, column, value) with the same rule, for sheets written cell by cell."""
    target = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        target.value = neutral(_xml_safe(value))
        target.data_type = "s"
    else:
        target.value = value
    return target


def _write_only(sheet: Any) -> bool:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    return isinstance(sheet, WriteOnlyWorksheet)
