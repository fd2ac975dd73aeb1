"""Office files — Word, Excel and chart images — in the usual official layout (after GB/T
9704: a red masthead with the issuing body, the issue number, a red rule, a title in 小标宋,
body text in 仿宋 三号, first-level headings in 黑体, tables) — for meeting agendas and
minutes, circulars and the legal documents.

Every file is a pure function of its input and a moment: the core properties' times are that
moment, every zip entry carries it, entries are written in a fixed order with fixed
attributes. So a circular rebuilt from its frozen figures is byte-for-byte the file generated
at first (with the same library versions; the circular keeps the bytes it generated anyway).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

CN_DIGITS = "零一二三四五六七八九"
RED = "FF0000"
FONT_BODY = "仿宋_GB2312"
FONT_TITLE = "方正小标宋简体"
FONT_HEADING = "黑体"
FONT_SUBHEADING = "楷体_GB2312"
FONT_TABLE = "宋体"
# Fonts tried, in order, for the words in chart images (settings.JIEFEN_CHART_FONT first).
CHART_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (up to 99), for 一、二、三 headings."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def cn_date(day: Any) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- deterministic packaging ------------------------------------------------------------------


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    local = timezone.localtime(moment)
    return (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)


def fixed_zip(data: bytes, moment: datetime) -> bytes:
    """The same package with every entry dated `moment` and fixed attributes and compression,
    so that equal contents give equal bytes."""
    when = _zip_time(moment)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            target.writestr(entry, source.read(info.filename), compresslevel=6)
    return out.getvalue()


def _utc_naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)


# --- Word ------------------------------------------------------------------------------------


class Word:
    """A document in the official layout, built paragraph by paragraph."""

    def __init__(self, *, title: str, author: str, moment: datetime) -> None:
        from docx import Document
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.shared import Mm, Pt

        self.moment = moment
        self.doc = Document()
        package = self.doc.part.package
        for rel_id, rel in list(package.rels.items()):
            if rel.reltype == RT.THUMBNAIL:  # the template's English preview picture
                package.rels.pop(rel_id)
        section = self.doc.sections[0]
        section.page_height, section.page_width = Mm(297), Mm(210)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(16)
        self._fonts(normal.element.get_or_add_rPr(), FONT_BODY)
        normal.font.name = FONT_BODY
        normal.paragraph_format.line_spacing = Pt(28)
        normal.paragraph_format.space_after = Pt(0)
        props = self.doc.core_properties
        props.title = title[:255]
        props.author = author[:255]
        props.last_modified_by = author[:255]
        props.comments = ""
        props.keywords = ""
        props.subject = ""
        props.category = ""
        props.revision = 1
        props.created = _utc_naive(moment)
        props.modified = _utc_naive(moment)
        props.last_printed = _utc_naive(moment)

    @staticmethod
    def _fonts(rpr: Any, name: str) -> None:
        from docx.oxml.ns import qn

        fonts = rpr.get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attribute), name)

    def _run(
        self, paragraph: Any, text: str, *, font: str, size: float, bold=False, color=None
    ) -> Any:
        from docx.shared import Pt, RGBColor

        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        if bold:
            run.font.bold = True
        self._fonts(run._element.get_or_add_rPr(), font)
        if color:
            run.font.color.rgb = RGBColor.from_string(color)
        return run

    def _paragraph(self, align: str = "justify", indent: bool = False) -> Any:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        paragraph = self.doc.add_paragraph()
        paragraph.alignment = {
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        }[align]
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(32)
        return paragraph

    def masthead(self, issuer: str, number: str, date_line: str = "") -> None:
        """The red masthead: the issuing body's mark, the issue number (and date), a red rule."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        mark = self._paragraph("center")
        mark.paragraph_format.space_before = Pt(12)
        mark.paragraph_format.line_spacing = Pt(50)
        self._run(mark, issuer, font=FONT_TITLE, size=30, bold=True, color=RED)
        line = self._paragraph("center")
        line.paragraph_format.space_before = Pt(12)
        self._run(line, number, font=FONT_BODY, size=16)
        if date_line:
            self._run(line, "　　" + date_line, font=FONT_BODY, size=16)
        # The red rule under the number: the paragraph's bottom border.
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", RED)):
            bottom.set(qn(key), value)
        borders.append(bottom)
        line._p.get_or_add_pPr().append(borders)
        self._paragraph("center")

    def title(self, text: str) -> None:
        from docx.shared import Pt

        paragraph = self._paragraph("center")
        paragraph.paragraph_format.line_spacing = Pt(36)
        paragraph.paragraph_format.space_after = Pt(16)
        self._run(paragraph, text, font=FONT_TITLE, size=22)

    def heading(self, text: str) -> None:
        self._run(self._paragraph("left", indent=True), text, font=FONT_HEADING, size=16)

    def subheading(self, text: str) -> None:
        self._run(self._paragraph("left", indent=True), text, font=FONT_SUBHEADING, size=16)

    def text(self, text: str, *, indent: bool = True, align: str = "justify") -> None:
        for line in (text or "").splitlines() or [""]:
            self._run(self._paragraph(align, indent=indent), line, font=FONT_BODY, size=16)

    def labelled(self, label: str, value: str) -> None:
        """A line like 时间：2026年3月13日 — the label in 黑体, the value in 仿宋."""
        paragraph = self._paragraph("left", indent=True)
        self._run(paragraph, label + "：", font=FONT_HEADING, size=16)
        self._run(paragraph, value, font=FONT_BODY, size=16)

    def _table_styles(self) -> tuple[Any, Any, Any]:
        """Paragraph styles for table cells (text, centred figures, header), made once: setting
        fonts run by run costs more than the rest of the document together."""
        if not hasattr(self, "_cell_styles"):
            from docx.enum.style import WD_STYLE_TYPE
            from docx.enum.text import WD_ALIGN_PARAGRAPH
            from docx.shared import Pt

            made = []
            for name, font, centred in (
                ("jiefen cell", FONT_TABLE, False),
                ("jiefen cell centred", FONT_TABLE, True),
                ("jiefen cell head", FONT_HEADING, True),
            ):
                style = self.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
                style.base_style = self.doc.styles["Normal"]
                style.font.size = Pt(10.5)
                style.font.name = font
                self._fonts(style.element.get_or_add_rPr(), font)
                fmt = style.paragraph_format
                fmt.line_spacing = Pt(18)
                fmt.first_line_indent = Pt(0)
                if centred:
                    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
                made.append(style)
            self._cell_styles = tuple(made)
        return self._cell_styles  # type: ignore[return-value]

    def table(self, head: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        from docx.table import _Cell

        # Style ids set on the XML: the style setter searches the template's hundreds of styles.
        text, centred, header = (s.style_id for s in self._table_styles())
        rows = [list(map(str, r)) for r in rows]
        table = self.doc.add_table(rows=1 + len(rows), cols=len(head))
        table.style = self.doc.styles["Table Grid"]
        # Cells straight from the XML: python-docx's table.cell() rebuilds the whole grid on
        # every call, which makes a 30-row table take seconds.
        for r, (tr, values) in enumerate(zip(table._tbl.tr_lst, [list(head), *rows], strict=True)):
            for c, (tc, value) in enumerate(zip(tr.tc_lst, values, strict=True)):
                paragraph = _Cell(tc, table).paragraphs[0]
                paragraph._p.get_or_add_pPr().style = header if r == 0 else (centred if c else text)
                paragraph.add_run(value)
        self._paragraph()

    def picture(self, png: bytes, width_mm: float = 150) -> None:
        from docx.shared import Mm

        paragraph = self._paragraph("center")
        paragraph.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))

    def signature(self, issuer: str, day: Any) -> None:
        self._paragraph()
        self._run(self._paragraph("right"), issuer + "　　", font=FONT_BODY, size=16)
        self._run(self._paragraph("right"), cn_date(day) + "　　", font=FONT_BODY, size=16)

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return fixed_zip(buffer.getvalue(), self.moment)


# --- Excel -----------------------------------------------------------------------------------


def workbook_bytes(workbook: Any, *, title: str, author: str, moment: datetime) -> bytes:
    """Save an openpyxl workbook with its core properties dated `moment` (openpyxl's own save
    stamps the current time) and a fixed zip."""
    from openpyxl.writer.excel import ExcelWriter

    props = workbook.properties
    props.title = title
    props.creator = author
    props.lastModifiedBy = author
    props.created = _utc_naive(moment)
    props.modified = _utc_naive(moment)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    return fixed_zip(buffer.getvalue(), moment)


# --- chart image -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def chart_font_path() -> str | None:
    configured = getattr(settings, "JIEFEN_CHART_FONT", None)
    for path in (configured, *CHART_FONTS):
        if path and Path(path).is_file():
            return str(path)
    return None


@lru_cache(maxsize=8)
def _font(size: int) -> Any:
    from PIL import ImageFont

    path = chart_font_path()
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size=size)


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
) -> bytes:
    """A horizontal grouped bar chart as PNG (Pillow, installed with reportlab): one group per
    label, one bar per series, the value at the end of each bar. Without a CJK font on the
    machine the labels are replaced by their numbers (1, 2, 3 …) — the table next to the chart
    names them."""
    from PIL import Image, ImageDraw

    cjk = chart_font_path() is not None
    names = list(labels) if cjk else [str(i + 1) for i in range(len(labels))]
    colours = [(11, 110, 79), (183, 121, 31), (97, 110, 124)]
    bar, gap, left, top, right = 22, 18, 260 if cjk else 80, 90, 120
    group = bar * len(series) + gap
    width = 1400
    height = top + max(1, len(names)) * group + 60
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title_font, label_font, value_font = _font(34), _font(24), _font(22)
    draw.text(
        (width // 2, 24), title if cjk else "", fill=(31, 41, 51), font=title_font, anchor="mt"
    )
    top_value = max([v for _name, values in series for v in values] + [1])
    span = width - left - right
    for i, name in enumerate(names):
        y = top + i * group
        draw.text(
            (left - 14, y + bar * len(series) / 2),
            name,
            fill=(31, 41, 51),
            font=label_font,
            anchor="rm",
        )
        for s, (_series_name, values) in enumerate(series):
            value = values[i]
            length = round(span * value / top_value)
            y0 = y + s * bar
            draw.rectangle((left, y0, left + max(length, 1), y0 + bar - 4), fill=colours[s % 3])
            draw.text(
                (left + length + 8, y0 + (bar - 4) / 2),
                str(value),
                fill=(31, 41, 51),
                font=value_font,
                anchor="lm",
            )
    draw.line((left, top - 10, left, height - 40), fill=(97, 110, 124), width=2)
    # The legend, bottom right.
    x: float = width - right
    for s, (series_name, _values) in reversed(list(enumerate(series))):
        label = series_name if cjk else ""
        text_width = draw.textlength(label, font=label_font) if label else 0
        x -= text_width + 50
        draw.rectangle((x, height - 34, x + 24, height - 14), fill=colours[s % 3])
        draw.text((x + 32, height - 24), label, fill=(31, 41, 51), font=label_font, anchor="lm")
    buffer = io.BytesIO()
    # No time or software chunks: the same chart gives the same bytes.
    image.save(buffer, format="PNG", optimize=False, dpi=(150, 150))
    return buffer.getvalue()
