"""PDF in the same official layout as the Word files (jiefen.documents.word.LegalWord), with
the same methods, so one builder writes either.

Chinese needs a font embedded in the file: the reader's machine may have none. reportlab can
embed (a subset of) a TrueType font only; the Noto CJK fonts Debian installs are CFF-based and
cannot be used. The text face is settings.JIEFEN_PDF_FONT, else AR PL UMing (Debian's
fonts-arphic-uming), else WenQuanYi (fonts-wqy-zenhei / fonts-wqy-microhei); headings use
WenQuanYi Zen Hei. No one font has every character a name may hold, so each character is set
in the first font of a chain that has a glyph for it: the text (or heading) face, then the
other CJK faces, HanaMin A and B (fonts-hanazono: CJK Extension A to G), BabelStone Han
(fonts-babelstone-han) and Symbola (fonts-symbola: emoji and symbols, in outline; Noto Color
Emoji is a bitmap CBDT font that cannot be embedded). A character no font of the chain has is
refused (MissingGlyph, naming it and its code point) rather than printed as an empty box or
left out. Variation selectors and the zero-width joiner are presentation hints with no glyph
of their own; they are left out of the PDF (the .docx keeps them).

Without any TrueType CJK font, reportlab's built-in CID font STSong-Light is used, which is not
embedded and relies on the reader having an Adobe-compatible Chinese font — logged as a warning.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.translation import gettext as _

from jiefen.lib.office import cn_date

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
# Tried, in this order, for a character the text or heading face lacks.
FALLBACK_FONTS = (
    *TTF_FONTS,
    ("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf", 0),
    ("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf", 0),
    ("/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf", 0),
    ("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf", 0),
    ("/usr/share/fonts/truetype/ancient-scripts/Symbola.ttf", 0),
)
# What the fallback chain must reach for a name like 𠮷田 or 㐂 to print (checked in CI).
REQUIRED_FONTS = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
    "/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf",
    "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",
)
FALLBACK = "STSong-Light"
BODY, HEADING = "JiefenSong", "JiefenHei"


class MissingGlyph(ValueError):
    """A character that no font of the chain can print."""

    def __init__(self, char: str) -> None:
        super().__init__(f"no glyph for U+{ord(char):04X}")
        self.char = char

    @property
    def code_point(self) -> str:
        return f"U+{ord(self.char):04X}"


def _invisible(char: str) -> bool:
    """Variation selectors, joiners and other format characters: hints, not glyphs."""
    return unicodedata.category(char) == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F


def _to_unicode_cmap(fontname: str, subset: Any) -> str:
    """reportlab's ToUnicode CMap writes a character beyond the Basic Multilingual Plane as
    five hex digits (<20BB7>), which readers take as U+20BB: 𠮷 prints but is copied, searched
    and read aloud as ₻. The map must give UTF-16BE, a surrogate pair for such characters."""

    def utf16(code: int) -> str:
        return "".join(f"{unit:04X}" for unit in _units(code))

    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{utf16(v)}>" for i, v in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


def _units(code: int) -> tuple[int, ...]:
    if code < 0x10000:
        return (code,)
    code -= 0x10000
    return (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))


def _first(candidates: Any) -> tuple[str, int] | None:
    for path, index in candidates:
        if path and Path(path).is_file():
            return str(path), index
    return None


@dataclass(frozen=True)
class Fonts:
    body: str
    heading: str
    # (registered name, the code points it has), the text and heading faces first.
    chain: tuple[tuple[str, frozenset[int]], ...]

    def face_for(self, char: str, primary: str) -> str:
        """The font that prints `char`: `primary` if it can, else the first of the chain."""
        if not self.chain:
            return primary
        code = ord(char)
        for name, codes in self.chain:
            if name == primary and code in codes:
                return primary
        for name, codes in self.chain:
            if code in codes:
                return name
        raise MissingGlyph(char)

    def markup(self, text: str, primary: str) -> str:
        """`text` as paragraph markup, each run in a font that has its glyphs."""
        out: list[str] = []
        run: list[str] = []
        current = primary

        def close() -> None:
            if run:
                chunk = escape("".join(run))
                out.append(
                    chunk if current == primary else f'<font name="{current}">{chunk}</font>'
                )
                run.clear()

        for char in text:
            if char in "\n\r\t ":
                face = current
            elif _invisible(char):
                continue
            else:
                face = self.face_for(char, primary)
            if face != current:
                close()
                current = face
            run.append(char)
        close()
        return "".join(out)

    def check(self, text: str) -> None:
        """Raise MissingGlyph for the first character of `text` no font can print."""
        for char in text:
            if not (char in "\n\r\t " or _invisible(char)):
                self.face_for(char, self.body)


# Marks that may not begin a line in Chinese (避头点). reportlab's list is Japanese: it has the
# ideographic full stop and comma (。、) and ASCII marks but not the full-width ，：；！？ set
# in every Chinese sentence, so a line could begin with one of them.
CANNOT_START_LINE = "，：；！？”’》〉｝"


def _forbid_at_line_start() -> None:
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    marks = "".join(c for c in CANNOT_START_LINE if c not in textsplit.ALL_CANNOT_START)
    textsplit.ALL_CANNOT_START += marks
    paragraph.ALL_CANNOT_START = textsplit.ALL_CANNOT_START


@lru_cache(maxsize=1)
def fonts() -> Fonts:
    """Register the fonts once."""
    from reportlab.pdfbase import pdfmetrics, ttfonts
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    ttfonts.makeToUnicodeCMap = _to_unicode_cmap
    _forbid_at_line_start()
    configured = getattr(settings, "JIEFEN_PDF_FONT", None)
    body = _first([(configured, 0), *TTF_FONTS])
    if body is None:
        log.warning(
            "no TrueType CJK font found (apt-get install fonts-arphic-uming fonts-wqy-zenhei); "
            "PDFs use the non-embedded CID font %s",
            FALLBACK,
        )
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
        return Fonts(FALLBACK, FALLBACK, ())
    registered: dict[tuple[str, int], str] = {}

    def register(name: str, where: tuple[str, int]) -> tuple[str, frozenset[int]]:
        font = TTFont(name, where[0], subfontIndex=where[1])
        pdfmetrics.registerFont(font)
        registered[where] = name
        return name, frozenset(font.face.charToGlyph)

    chain = [register(BODY, body)]
    hei = _first(HEI_FONTS)
    heading = BODY
    if hei is not None and hei != body:
        chain.append(register(HEADING, hei))
        heading = HEADING
    for i, where in enumerate(FALLBACK_FONTS):
        if where not in registered and Path(where[0]).is_file():
            chain.append(register(f"JiefenFallback{i}", where))
    return Fonts(BODY, heading, tuple(chain))


def embedded() -> bool:
    """Whether the PDFs carry their font (False on the STSong-Light fallback)."""
    return fonts().body != FALLBACK


# The room a drawn signature is shown in, in millimetres: at most this high and this wide.
SIGNATURE_HEIGHT_MM, SIGNATURE_WIDTH_MM = 20, 70


def _signature_image(png: bytes) -> Any:
    """A drawn signature scaled into its room under the label, two characters in from the
    margin as a pen would sign, kept with what follows."""
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, Table, TableStyle

    width, height = ImageReader(io.BytesIO(png)).getSize()
    scale = min(SIGNATURE_HEIGHT_MM * mm / height, SIGNATURE_WIDTH_MM * mm / width)
    picture = Image(io.BytesIO(png), width=width * scale, height=height * scale)
    room = Table([[picture]], hAlign="LEFT")
    room.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 30),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    room.keepWithNext = 1
    return room


class Pdf:
    """A document in the official layout, built paragraph by paragraph (A4, 仿宋-sized text,
    the title centred, headings in a Hei face and kept with what follows), written with
    reportlab's platypus."""

    WIDTH_MM = 210 - 28 - 26

    def __init__(self, *, title: str, author: str, moment: datetime) -> None:
        from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle

        self.fonts = fonts()
        body, heading = self.fonts.body, self.fonts.heading
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

    def _markup(self, text: str, font: str = "") -> str:
        return self.fonts.markup(text, font or self.fonts.body)

    def _add(
        self, style: str, markup: str, *, indent: bool = False, keep: bool = False, after: float = 0
    ) -> None:
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import Paragraph

        chosen = self.styles[style]
        if indent or keep or after:
            # Two characters of first-line indent; leading spaces would be collapsed.
            chosen = ParagraphStyle(
                f"{style}-{int(indent)}{int(keep)}{after}",
                parent=chosen,
                firstLineIndent=2 * chosen.fontSize if indent else 0,
                keepWithNext=int(keep),
                spaceAfter=after or chosen.spaceAfter,
            )
        self.story.append(Paragraph(markup, chosen))

    def masthead(self, issuer: str, number: str, date_line: str = "") -> None:
        self._add("title", self._markup(issuer, self.heading_font), keep=True)
        self._add("center", self._markup(number + ("　　" + date_line if date_line else "")))

    def title(self, text: str) -> None:
        self._add("title", self._markup(text, self.heading_font), keep=True)

    def heading(self, text: str) -> None:
        self._add("left", self._markup(text, self.heading_font), indent=True, keep=True)

    def subheading(self, text: str) -> None:
        self.heading(text)

    def text(
        self, text: str, *, indent: bool = True, align: str = "justify", keep: bool = False
    ) -> None:
        for line in (text or "").splitlines() or [""]:
            self._add(align, self._markup(line) or "\u3000", indent=indent, keep=keep)

    def labelled(self, label: str, value: str) -> None:
        """A line like 时间：2026年3月13日; a label with nothing after it heads what follows."""
        markup = self._markup(label + "：", self.heading_font) + self._markup(value)
        self._add("left", markup, indent=True, keep=not value)

    def table(
        self,
        head: list[str] | tuple[str, ...],
        rows: Any,
        *,
        widths: tuple[float, ...] | None = None,
        nowrap: tuple[int, ...] = (),
    ) -> None:
        """A grid; `widths` in millimetres (the rest of the line goes to the last column
        when they do not add up), `nowrap` the columns whose values stay on one line."""
        from reportlab.lib import colors
        from reportlab.lib.units import mm
        from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

        def cell(value: Any, style: str, column: int) -> Any:
            markup = self._markup(str(value), self.heading_font if style == "head" else "")
            if column in nowrap and style != "head":
                return markup and Paragraph(f"<nobr>{markup}</nobr>", self.styles[style])
            return Paragraph(markup, self.styles[style])

        data = [[cell(h, "head", c) for c, h in enumerate(head)]]
        data += [[cell(v, "cell", c) for c, v in enumerate(row)] for row in rows]
        col_widths = None
        if widths:
            col_widths = [w * mm for w in widths]
            col_widths[-1] = max(col_widths[-1], self.WIDTH_MM * mm - sum(col_widths[:-1]))
        table = Table(data, colWidths=col_widths, repeatRows=1, hAlign="CENTER")
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        self.story += [table, Spacer(1, 8)]

    def sign(self, label: str, *, note: str = "", image: bytes = b"") -> None:
        """A place to sign by hand: the label, and room under it. The signatures, the line
        above them and the issuer (`signature`) stay together on one page. A party that
        confirmed the agreement online has `note` (when, how) and the signature drawn on the
        screen (`image`, a PNG) in that room instead."""
        self._keep_last()
        if not (note or image):
            self._add(
                "left",
                self._markup(label + "：", self.heading_font),
                indent=True,
                keep=True,
                after=40,
            )
            return
        self._add("left", self._markup(label + "：", self.heading_font), indent=True, keep=True)
        if image:
            self.story.append(_signature_image(image))
        if note:
            self._add("left", self._markup(note), indent=True, keep=True, after=10)

    def _keep_last(self) -> None:
        if self.story:
            self.story[-1].keepWithNext = 1

    def signature(self, issuer: str, day: Any, *, seal: bool = False) -> None:
        """The issuer and date at the foot, right-aligned; with `seal`, room above them for the
        seal and the place marked (盖章)."""
        from reportlab.platypus import Spacer

        # Kept with the line above (a signature or the last of the text), so the issuer and
        # the date never stand alone at the top of a page.
        self._keep_last()
        room = Spacer(1, 70 if seal else 20)
        room.keepWithNext = 1
        self.story.append(room)
        name = issuer + (_("（盖章）") if seal else "")
        self._add("right", self._markup(name + "　　"), keep=True)
        self._add("right", self._markup(cn_date(day) + "　　"))

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
        document.build(list(self.story), canvasmaker=self._numbered_canvas())
        return buffer.getvalue()

    def _numbered_canvas(self) -> Any:
        """A canvas that holds its pages until the last one is laid out, then writes on each
        "第 N 页 共 M 页" (the total is known only then)."""
        from reportlab.lib.units import mm
        from reportlab.pdfgen.canvas import Canvas

        font = self.fonts.body
        words = _("第 %(n)d 页 共 %(total)d 页")

        class Numbered(Canvas):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self._held: list[dict[str, Any]] = []

            def showPage(self) -> None:  # reportlab's name
                self._held.append(dict(self.__dict__))
                self._startPage()

            def save(self) -> None:
                total = len(self._held)
                for n, state in enumerate(self._held, start=1):
                    self.__dict__.update(state)
                    self.setFont(font, 10)
                    self.drawCentredString(105 * mm, 20 * mm, str(words) % {"n": n, "total": total})
                    super().showPage()
                super().save()

        return Numbered
