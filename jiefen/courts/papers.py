"""The papers of the application, as PDF: the joint application (人民调解协议司法确认申请书),
the list of materials (材料清单), each identity document as pages, and the bundle of them all.

The application and the list are written with the documents app's PDF writer
(jiefen.documents.pdf.Pdf: embedded CJK fonts with their fallback chain, the official layout).
An image is put on an A4 page of its own under a caption naming the party; a PDF is taken
page by page. The bundle is concatenated with pypdf.

Concatenating copies the agreement's pages into a new file, so the agreement's own PAdES
signature does not survive inside the bundle: the signed agreement is therefore also given as
a file of its own (downloaded separately and sent beside the bundle), and the pages say so.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

from jiefen.documents.pdf import MissingGlyph, Pdf, fonts
from jiefen.lib.office import cn_date
from jiefen.lib.personal import valid_resident_id


@dataclass
class Person:
    """One applicant as the application names them, numbers in full."""

    side: str
    name: str
    organisation: bool
    gender: str = ""
    age: int | None = None
    ethnicity: str = ""
    address: str = ""
    id_number: str = ""
    phone: str = ""
    representative: str = ""


@dataclass
class Application:
    number: str
    court: str
    committee: str
    signed_on: date
    facts: str
    terms: str
    people: list[Person]
    # (title, pages or "", remark) for the list of materials.
    materials: list[tuple[str, str, str]]
    moment: datetime


class Unprintable(ValueError):
    def __init__(self, char: str) -> None:
        super().__init__(char)
        self.char = char


def id_type(person: Person) -> str:
    if person.organisation:
        return _("统一社会信用代码")
    if valid_resident_id(person.id_number):
        return _("居民身份证")
    return _("身份证件")


def person_line(person: Person) -> str:
    """张三，男，45岁，汉族，住……，居民身份证号码……，联系电话……"""
    parts = [person.name]
    if person.organisation:
        if person.address:
            parts.append(_("住所地：%(a)s") % {"a": person.address})
        if person.id_number:
            parts.append(_("统一社会信用代码：%(c)s") % {"c": person.id_number})
        if person.representative:
            parts.append(_("法定代表人：%(r)s") % {"r": person.representative})
    else:
        if person.gender:
            parts.append(person.gender)
        if person.age:
            parts.append(_("%(n)s岁") % {"n": person.age})
        if person.ethnicity:
            parts.append(person.ethnicity)
        if person.address:
            parts.append(_("住%(a)s") % {"a": person.address})
        if person.id_number:
            parts.append(
                _("%(type)s号码：%(n)s") % {"type": id_type(person), "n": person.id_number}
            )
    if person.phone:
        parts.append(_("联系电话：%(p)s") % {"p": person.phone})
    return "，".join(parts) + "。"


def application_pdf(app: Application) -> bytes:
    title = _("人民调解协议司法确认申请书")
    w = Pdf(title=title, author=app.committee, moment=app.moment)
    try:
        w.title(title)
        w.text(_("（%(number)s）") % {"number": app.number}, indent=False, align="center")
        for person in app.people:
            w.labelled(_("申请人"), person_line(person))
        w.heading(_("请求事项"))
        w.text(
            _("请求人民法院依法确认申请人于%(date)s经%(committee)s主持调解达成的人民调解协议有效。")
            % {"date": cn_date(app.signed_on), "committee": app.committee}
        )
        w.heading(_("事实和理由"))
        w.text(app.facts)
        w.text(
            _("经%(committee)s主持调解，申请人于%(date)s自愿达成人民调解协议，主要内容如下：")
            % {"committee": app.committee, "date": cn_date(app.signed_on)}
        )
        w.text(app.terms)
        w.text(
            _(
                "申请人出于解决纠纷的目的自愿达成协议，没有恶意串通、规避法律的行为；"
                "如果因为该协议内容而给他人造成损害的，愿意承担相应的民事责任和其他法律责任。"
                "申请人依照《中华人民共和国人民调解法》第三十三条的规定，"
                "自调解协议生效之日起三十日内共同提出申请。"
            )
        )
        w.text(_("此致"), indent=True)
        w.text(app.court, indent=False)
        w.text(_("附：人民调解协议书一份；材料清单一份；申请人身份证明材料。"))
        for person in app.people:
            w.sign(_("申请人%(name)s（签名或者盖章、按指印）") % {"name": person.name})
        w.signature("", app.moment.date())
        return w.bytes()
    except MissingGlyph as error:
        raise Unprintable(error.char) from None


def materials_pdf(app: Application) -> bytes:
    title = _("司法确认申请材料清单")
    w = Pdf(title=title, author=app.committee, moment=app.moment)
    try:
        w.title(title)
        w.text(
            _("纠纷编号：%(number)s　受理法院：%(court)s")
            % {"number": app.number, "court": app.court},
            indent=False,
            align="center",
        )
        w.table(
            (_("序号"), _("材料名称"), _("页数"), _("备注")),
            [(i, name, pages, remark) for i, (name, pages, remark) in enumerate(app.materials, 1)],
            widths=(14, 80, 16, 46),
            nowrap=(0, 2),
        )
        w.text(
            _(
                "合订本中的调解协议书为复制页；调解协议书带有人民调解委员会数字签名的，"
                "其数字签名以单独提交的调解协议书 PDF 原件为准。"
            )
        )
        return w.bytes()
    except MissingGlyph as error:
        raise Unprintable(error.char) from None


def image_page(data: bytes, caption: str) -> bytes:
    """One A4 page with `caption` at the top and the image scaled into the rest."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    width, height = A4
    face = fonts()
    try:
        markup = face.markup(caption, face.body)
    except MissingGlyph as error:
        raise Unprintable(error.char) from None
    style = ParagraphStyle("caption", fontName=face.body, fontSize=12, leading=18, wordWrap="CJK")
    line = Paragraph(markup, style)
    _w, used = line.wrapOn(canvas, width - 40 * mm, 20 * mm)
    line.drawOn(canvas, 20 * mm, height - 17 * mm - used)
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as opened:
        # A phone photo is often stored sideways with an orientation tag: turned upright here.
        upright = ImageOps.exif_transpose(opened)
        upright.load()
    image = ImageReader(upright)
    iw, ih = image.getSize()
    box_w, box_h = width - 40 * mm, height - 50 * mm
    scale = min(box_w / iw, box_h / ih)
    dw, dh = iw * scale, ih * scale
    canvas.drawImage(image, (width - dw) / 2, height - 30 * mm - dh, dw, dh)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def page_count(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def concatenate(parts: list[bytes], *, title: str, author: str) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    # The agreement's signature cannot cover the bundle's bytes: a copied signature field would
    # show as a broken signature, as if the agreement had been tampered with. It is left out
    # here; the signed original travels beside the bundle.
    writer._root_object.pop(NameObject("/AcroForm"), None)
    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        kept = [a for a in annots.get_object() if a.get_object().get("/FT") != "/Sig"]
        if kept:
            page[NameObject("/Annots")] = ArrayObject(kept)
        else:
            del page["/Annots"]
    writer.add_metadata({"/Title": title, "/Author": author, "/Creator": "jiefen"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pages_only(data: bytes) -> bytes:
    """An uploaded PDF's pages without what could act when the court opens the bundle: the
    pages' annotations (links, form fields, actions) and their additional actions."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(data)).pages:
        for key in ("/Annots", "/AA"):
            if key in page:
                del page[key]
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def readable_pdf(data: bytes) -> int | None:
    """Pages of an uploaded PDF that pypdf can open and copy (not encrypted), else None."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return None
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        return None
    return pages or None


def readable_image(data: bytes) -> bool:
    """Whether Pillow can decode the image (its header matched JPEG or PNG already)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.width > 0 and image.height > 0
    except Exception:  # Pillow raises many kinds of error for a broken file
        return False
