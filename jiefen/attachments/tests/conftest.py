"""A dispute registered in 枫一社区 by its clerk, and an upload directory of the test's own."""

import io
import zipfile

import pytest

from jiefen.disputes.tests.conftest import _fast_passwords, at, register  # noqa: F401

__all__ = ["at", "register"]


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.JIEFEN_UPLOAD_ROOT = tmp_path / "uploads"
    settings.JIEFEN_UPLOAD_MAX_BYTES = 64 * 1024
    return settings.JIEFEN_UPLOAD_ROOT


@pytest.fixture
def dispute(world, village_clerk):
    return register(world, village_clerk)


def ooxml(main_type: str, part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Override PartName="/'
            + part
            + '" ContentType="'
            + main_type
            + '"/></Types>',
        )
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32) + b"\xff\xd9"
DOCX = ooxml(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "word/document.xml",
)
XLSX = ooxml(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "xl/workbook.xml",
)
DOCM = ooxml("application/vnd.ms-word.document.macroEnabled.main+xml", "word/document.xml")
TEXT = "调解笔录：双方同意以现有院墙为界。\n".encode()
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48)
