"""The text of a PDF written by reportlab, read back through the ToUnicode maps of its fonts
(no PDF library is installed in the project). Enough for our own files: text shown with Tj
from literal strings, one-byte codes per subset font."""

import base64
import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
_STRING_OR_FONT = re.compile(rb"/([^\s/]+)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\)])*)\)", re.S)


def _stream(body: bytes) -> bytes | None:
    if b"stream" not in body:
        return None
    head, rest = body.split(b"stream", 1)
    data = rest.lstrip(b"\r\n").rsplit(b"endstream", 1)[0]
    if b"ASCII85Decode" in head:
        data = base64.a85decode(data.strip(), adobe=True)
    if b"FlateDecode" in head:
        data = zlib.decompress(data)
    return data


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C and i + 1 < len(raw):
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(), 8))
                i += 1 + len(octal.group())
                continue
            nxt = raw[i + 1 : i + 2]
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(nxt, nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def fonts_of(pdf: bytes) -> dict[str, bytes]:
    """Font resource name → the font dictionary, for every font in the file."""
    objects = {int(m.group(1)): m.group(2) for m in _OBJECT.finditer(pdf)}
    found = {}
    for body in objects.values():
        if b"/Type /Font" in body:
            name = re.search(rb"/Name /(\S+)", body)
            if name:
                found[name.group(1).decode()] = body
    return found


def pdf_text(pdf: bytes) -> str:
    objects = {int(m.group(1)): m.group(2) for m in _OBJECT.finditer(pdf)}
    maps: dict[bytes, dict[int, str]] = {}
    for body in objects.values():
        if b"/Type /Font" not in body:
            continue
        name = re.search(rb"/Name /(\S+)", body)
        ref = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if not name:
            continue
        table: dict[int, str] = {}
        if ref:
            cmap = _stream(objects[int(ref.group(1))]) or b""
            for code, uni in re.findall(rb"<([0-9A-Fa-f]{2})>\s*<([0-9A-Fa-f]{4})>", cmap):
                if int(uni, 16):
                    table[int(code, 16)] = chr(int(uni, 16))
        maps[name.group(1)] = table
    text = []
    for body in objects.values():
        content = _stream(body)
        if content is None or b" Tf" not in content:
            continue
        font: dict[int, str] = {}
        for m in _STRING_OR_FONT.finditer(content):
            if m.group(1) is not None:
                font = maps.get(m.group(1), {})
                continue
            text.append("".join(font.get(b, chr(b)) for b in _unescape(m.group(2))))
        text.append("\n")
    return "".join(text)


def poppler_text(pdf: bytes, *, layout: bool = False) -> str:
    """The text as poppler's pdftotext reads it (poppler-utils), as a reader's viewer would;
    skipped without it, except in CI (JIEFEN_REQUIRE_FONTS), which installs it."""
    import os
    import shutil
    import subprocess

    import pytest

    if shutil.which("pdftotext") is None:
        if os.environ.get("JIEFEN_REQUIRE_FONTS"):
            pytest.fail("pdftotext is required (apt-get install poppler-utils)")
        pytest.skip("pdftotext not installed (poppler-utils)")
    command = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(command, input=pdf, capture_output=True, check=True).stdout.decode()


def fonts_or_skip() -> None:
    """Skip a test that needs the PDF fallback chain's fonts where they are missing; where
    .ci/run installed them and set JIEFEN_REQUIRE_FONTS, a missing font fails instead."""
    import os

    import pytest

    from jiefen.documents.pdf import REQUIRED_FONTS, embedded

    missing = [path for path in REQUIRED_FONTS if not os.path.isfile(path)]
    if missing or not embedded():
        if os.environ.get("JIEFEN_REQUIRE_FONTS"):
            pytest.fail(f"fonts required for the PDF fallback chain are missing: {missing}")
        pytest.skip(f"fonts missing: {missing}")
