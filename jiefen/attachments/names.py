"""Display names: the uploader's file name made safe to show and to offer as a download name."""

from __future__ import annotations

import re
import unicodedata

from jiefen.attachments.kinds import Kind

MAX_LENGTH = 100
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;]')


def display_name(raw: str, kind: Kind) -> str:
    """The last path component, NFC-normalised, without control or path characters and
    shortened; its extension is always the one of the kind the content was found to be."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _FORBIDDEN.sub("_", name).strip().lstrip(".").strip()
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .") or "attachment"
    stem = stem[: MAX_LENGTH - len(kind.extension)]
    return stem + kind.extension
