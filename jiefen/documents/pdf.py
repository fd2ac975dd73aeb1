"""PDF in the same official layout as the Word files (jiefen.meetings.documents.Word), with the
same methods, so one builder writes either.

Chinese needs a font embedded in the file: the reader's machine may have none. reportlab can
embed (a subset of) a TrueType font only; the Noto CJK fonts Debian installs are CFF-based and
cannot be used. So a TrueType CJK font is looked for (settings.JIEFEN_PDF_FONT, then AR PL
UMing from Debian's fonts-arphic-uming, then WenQuanYi from fonts-wqy-zenhei /
fonts-wqy-microhei); without one, reportlab's built-in CID font STSong-Light is used, which is
not embedded and relies on the reader having an Adobe-compatible Chinese font — logged as a
warning.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings

from jiefen.meetings.documents import cn_date

log = logging.getLogger(__name__)

# (path, index in the collection), in order of preference: a Song (Ming) face for the text of
# official documents first, then the Hei faces.
TTF_FONTS = (
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)
HEI_FONTS = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)
FALLBACK = "STSong-Light"
BODY, HEADING = "JiefenSong", "JiefenHei"


def _first(candidates: Any) -> tuple[str, int] | None:
    for path, index in candidates:
        if path and Path(path).is_file():
            return str(path), index
    return None


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str]:
    """Register the fonts once; returns the (body, heading) font names."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    configured = getattr(settings, "JIEFEN_PDF_FONT", None)
    body = _first([(configured, 0), *TTF_FONTS])
    if body is None:
        log.warning(
            "no TrueType CJK font found (apt-get install fonts-arphic-uming fonts-wqy-zenhei); "
            "PDFs use the non-embedded CID font %s",
            FALLBACK,
        )
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
        return FALLBACK, FALLBACK
    pdfmetrics.registerFont(TTFont(BODY, body[0], subfontIndex=body[1]))
    hei = _first(HEI_FONTS)
    if hei is None:
        return BODY, BODY
    pdfmetrics.registerFont(TTFont(HEADING, hei[0], subfontIndex=hei[1]))
    return BODY, HEADING


def embedded() -> bool:
    """Whether the PDFs carry their font (False on the STSong-Light fallback)."""
    return fonts()[0] != FALLBACK


class Pdf:
    """A document in the official layout, built paragraph by paragraph (A4, 仿宋-sized text,
    the title centred, headings in a Hei face), written with reportlab's platypus."""

    def __init__(self, *, title: str, author: str, moment: datetime) -> None:
        from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle

        body, heading = fonts()
        self.title_text, self.author, self.moment = title, author, moment
        self.story: list[Any] = []
        base = {"fontName": body, "fontSize": 15, "leading": 26, "wordWrap": "CJK"}
        self.styles = {
            "justify": ParagraphStyle("justify", alignment=TA_JUSTIFY, **base),
            "left": ParagraphStyle("left", alignment=TA_LEFT, **base),
            "center": ParagraphStyle("center", alignment=TA_CENTER, **base),
            "right": ParagraphStyle("right", alignment=TA_RIGHT, **base),
            "title": ParagraphStyle(
                "title",
                fontName=heading,
                fontSize=21,
                leading=34,
                alignment=TA_CENTER,
                spaceAfter=14,
                wordWrap="CJK",
            ),
            "cell": ParagraphStyle(
                "cell", fontName=body, fontSize=10.5, leading=15, wordWrap="CJK"
            ),
            "head": ParagraphStyle(
                "head",
                fontName=heading,
                fontSize=10.5,
                leading=15,
                alignment=TA_CENTER,
                wordWrap="CJK",
            ),
        }
        self.heading_font = heading

    def _add(self, text: str, style: str, *, indent: bool = False, markup: str = "") -> None:
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import Paragraph

        content = markup or escape(text)
        chosen = self.styles[style]
        if indent:
            # Two characters of first-line indent; leading spaces would be collapsed.
            chosen = ParagraphStyle(
                f"{style}-indent", parent=chosen, firstLineIndent=2 * chosen.fontSize
            )
        self.story.append(Paragraph(content, chosen))

    def masthead(self, issuer: str, number: str, date_line: str = "") -> None:
        self._add(issuer, "title")
        self._add(number + ("　　" + date_line if date_line else ""), "center")

    def title(self, text: str) -> None:
        self._add(text, "title")

    def heading(self, text: str) -> None:
        self._add("", "left", indent=True, markup=self._font(escape(text)))

    def subheading(self, text: str) -> None:
        self.heading(text)

    def _font(self, markup: str) -> str:
        return f'<font name="{self.heading_font}">{markup}</font>'

    def text(self, text: str, *, indent: bool = True, align: str = "justify") -> None:
        for line in (text or "").splitlines() or [""]:
            self._add(line or "\u3000", align, indent=indent)

    def labelled(self, label: str, value: str) -> None:
        self._add("", "left", indent=True, markup=self._font(escape(label + "：")) + escape(value))

    def table(self, head: list[str] | tuple[str, ...], rows: Any) -> None:
        from reportlab.lib import colors
        from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

        data = [[Paragraph(escape(str(h)), self.styles["head"]) for h in head]]
        data += [[Paragraph(escape(str(v)), self.styles["cell"]) for v in row] for row in rows]
        table = Table(data, repeatRows=1, hAlign="CENTER")
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        self.story += [table, Spacer(1, 8)]

    def signature(self, issuer: str, day: Any) -> None:
        from reportlab.platypus import Spacer

        self.story.append(Spacer(1, 20))
        self._add(issuer + "　　", "right")
        self._add(cn_date(day) + "　　", "right")

    def bytes(self) -> bytes:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.platypus import SimpleDocTemplate

        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            topMargin=37 * mm,
            bottomMargin=35 * mm,
            leftMargin=28 * mm,
            rightMargin=26 * mm,
            title=self.title_text,
            author=self.author,
            creator="jiefen",
            # No creation time or random id in the file: the same input gives the same bytes.
            invariant=1,
        )
        document.build(list(self.story), onLaterPages=self._page_number)
        return buffer.getvalue()

    def _page_number(self, canvas: Any, document: Any) -> None:
        from reportlab.lib.units import mm

        canvas.setFont(fonts()[0], 10)
        canvas.drawCentredString(105 * mm, 20 * mm, f"— {document.page} —")
