"""The office-file writers of the meetings (agendas, minutes, circulars) live in jiefen.lib.office,
shared with the legal documents; named here too for the imports that predate the move."""

from jiefen.lib.office import (
    CHART_FONTS,
    CN_DIGITS,
    FONT_BODY,
    FONT_HEADING,
    FONT_SUBHEADING,
    FONT_TABLE,
    FONT_TITLE,
    RED,
    Word,
    bar_chart,
    chart_font_path,
    cn_date,
    cn_number,
    fixed_zip,
    workbook_bytes,
)

__all__ = [
    "CHART_FONTS",
    "CN_DIGITS",
    "FONT_BODY",
    "FONT_HEADING",
    "FONT_SUBHEADING",
    "FONT_TABLE",
    "FONT_TITLE",
    "RED",
    "Word",
    "bar_chart",
    "chart_font_path",
    "cn_date",
    "cn_number",
    "fixed_zip",
    "workbook_bytes",
]
