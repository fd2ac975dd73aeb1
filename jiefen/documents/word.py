"""The Word writer of the legal documents: the official layout of jiefen.lib.office.Word
with what a signed document needs besides — headings kept on the page of what follows, tables
with set column widths, places to sign by hand and the seal's place. Same methods as
jiefen.documents.pdf.Pdf."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from jiefen.lib.office import FONT_BODY, FONT_HEADING, Word, cn_date


class LegalWord(Word):
    WIDTH_MM = 210 - 28 - 26

    def _last(self) -> Any:
        return self.doc.paragraphs[-1]

    def _keep(self) -> None:
        self._last().paragraph_format.keep_with_next = True

    def title(self, text: str) -> None:
        super().title(text)
        self._keep()

    def heading(self, text: str) -> None:
        super().heading(text)
        self._keep()

    def subheading(self, text: str) -> None:
        super().subheading(text)
        self._keep()

    def text(
        self, text: str, *, indent: bool = True, align: str = "justify", keep: bool = False
    ) -> None:
        super().text(text, indent=indent, align=align)
        if keep:
            self._keep()

    def labelled(self, label: str, value: str) -> None:
        super().labelled(label, value)
        if not value:
            self._keep()  # a label with nothing after it heads what follows

    def table(
        self,
        head: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        widths: tuple[float, ...] | None = None,
        nowrap: tuple[int, ...] = (),
    ) -> None:
        from docx.oxml import OxmlElement
        from docx.shared import Mm

        super().table(head, rows)
        table = self.doc.tables[-1]
        if widths:
            table.autofit = False
            columns = list(widths)
            columns[-1] = max(columns[-1], self.WIDTH_MM - sum(columns[:-1]))
            for gc, width in zip(table._tbl.tblGrid.gridCol_lst, columns, strict=True):
                gc.w = Mm(width)
            for tr in table._tbl.tr_lst:
                for tc, width in zip(tr.tc_lst, columns, strict=True):
                    tc.width = Mm(width)
        for tr in table._tbl.tr_lst[1:]:
            for c, tc in enumerate(tr.tc_lst):
                if c in nowrap:
                    tc.get_or_add_tcPr().append(OxmlElement("w:noWrap"))
        # The header row repeats on every page, and no row breaks across pages.
        header = table._tbl.tr_lst[0].get_or_add_trPr()
        header.append(OxmlElement("w:tblHeader"))
        for tr in table._tbl.tr_lst:
            tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))

    def sign(self, label: str, *, note: str = "", image: bytes = b"") -> None:
        """A place to sign by hand: the label, and room under it; for a party that confirmed
        online, the signature drawn on the screen (`image`, a PNG) and `note` (when, how)."""
        import io

        from docx.shared import Mm, Pt

        # The signatures, the line above them and the issuer stay on one page.
        if self.doc.paragraphs:
            self._keep()
        paragraph = self._paragraph("left", indent=True)
        self._run(paragraph, label + "：", font=FONT_HEADING, size=16)
        paragraph.paragraph_format.keep_with_next = True
        if not (note or image):
            paragraph.paragraph_format.space_after = Pt(40)
            return
        if image:
            from PIL import Image

            with Image.open(io.BytesIO(image)) as drawn:
                width, height = drawn.size
            picture = self._paragraph("left", indent=True)
            scale = min(20 / height, 70 / width)
            picture.add_run().add_picture(io.BytesIO(image), height=Mm(height * scale))
            picture.paragraph_format.keep_with_next = True
        if note:
            line = self._paragraph("left", indent=True)
            self._run(line, note, font=FONT_BODY, size=12)
            line.paragraph_format.space_after = Pt(10)
            line.paragraph_format.keep_with_next = True

    def signature(self, issuer: str, day: Any, *, seal: bool = False) -> None:
        """The issuer and date at the foot, right-aligned; with `seal`, room above them for the
        seal and the place marked (盖章)."""
        from docx.shared import Pt

        if self.doc.paragraphs:
            self._keep()  # the issuer never stands alone at the top of a page
        room = self._paragraph()
        room.paragraph_format.space_before = Pt(70 if seal else 20)
        room.paragraph_format.keep_with_next = True
        name = self._paragraph("right")
        self._run(name, issuer + (_("（盖章）") if seal else "") + "　　", font=FONT_BODY, size=16)
        name.paragraph_format.keep_with_next = True
        self._run(self._paragraph("right"), cn_date(day) + "　　", font=FONT_BODY, size=16)
