"""What an uploaded file really is, decided from its bytes alone.

The name and the content type a browser sends are the uploader's claims; neither is trusted.
Only the kinds below are accepted, each recognised by its content: PDF, JPEG and PNG by their
magic bytes, Word and Excel documents (.docx, .xlsx) as zip archives whose OOXML content-types
entry declares the main part of that kind (macro-enabled variants declare another type and
are refused), and plain text as UTF-8 without NUL bytes and without markup a browser would
render. HTML, SVG, executables and everything else are refused.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    key: str
    label: object  # lazy translation
    content_type: str
    extension: str


PDF = Kind("pdf", _("PDF 文档"), "application/pdf", ".pdf")
JPEG = Kind("jpeg", _("JPEG 图片"), "image/jpeg", ".jpg")
PNG = Kind("png", _("PNG 图片"), "image/png", ".png")
DOCX = Kind(
    "docx",
    _("Word 文档（.docx）"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docx",
)
XLSX = Kind(
    "xlsx",
    _("Excel 表格（.xlsx）"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsx",
)
TEXT = Kind("text", _("纯文本（UTF-8）"), "text/plain; charset=utf-8", ".txt")

KINDS: dict[str, Kind] = {kind.key: kind for kind in (PDF, JPEG, PNG, DOCX, XLSX, TEXT)}

# The main part each OOXML kind must declare in [Content_Types].xml.
_OOXML_MAIN = {
    DOCX: b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_CONTENT_TYPES = "[Content_Types].xml"
_CONTENT_TYPES_MAX = 1 << 20  # a real one is a few kilobytes; never inflate more than this
# Markup a browser would render or run if it ever sniffed the file: refused even as text.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|style|meta|link|img|\?xml)\b",
    re.IGNORECASE,
)


def allowed_labels() -> str:
    from django.utils.translation import gettext

    # Translators: the separator between items of a list.
    return gettext("、").join(str(kind.label) for kind in KINDS.values())


def kind_of(data: bytes) -> Kind | None:
    """The accepted kind of `data`, or None when it is none of them."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        return _ooxml(data)
    return _text(data)


def _ooxml(data: bytes) -> Kind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(_CONTENT_TYPES)
            if info.file_size > _CONTENT_TYPES_MAX:
                return None
            declared = archive.read(info)[: _CONTENT_TYPES_MAX + 1]
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError, EOFError):
        return None
    if len(declared) > _CONTENT_TYPES_MAX:
        return None
    for kind, main in _OOXML_MAIN.items():
        if main in declared:
            return kind
    return None


def _text(data: bytes) -> Kind | None:
    if not data or b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.lstrip("\ufeff \t\r\n").startswith("<") or _MARKUP.search(data):
        return None
    return TEXT
