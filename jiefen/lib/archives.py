"""Limits on an uploaded OOXML file (.xlsx, .docx: a zip archive) checked from its directory,
before any parser inflates a byte: a 1 MB file that inflates to gigabytes (a "zip bomb") is
refused in milliseconds. Pure; the limits are arguments (settings JIEFEN_ARCHIVE_*).

The sizes in the directory bound what is read: zipfile stops a member at its declared size and
fails on a mismatch, so an archive cannot inflate beyond what it declares.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = 1_000
    max_uncompressed: int = 256 * 1024 * 1024  # all members together
    max_ratio: int = 100  # uncompressed / compressed, for members over `ratio_from`
    ratio_from: int = 1024 * 1024


def archive_problem(raw: bytes, limits: ArchiveLimits) -> str | None:
    """What breaks the limits ("members", "size", "ratio", "damaged"), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "damaged"
    if len(members) > limits.max_members:
        return "members"
    if sum(m.file_size for m in members) > limits.max_uncompressed:
        return "size"
    for member in members:
        big = member.file_size > limits.ratio_from
        if big and member.file_size > limits.max_ratio * max(member.compress_size, 1):
            return "ratio"
    return None
