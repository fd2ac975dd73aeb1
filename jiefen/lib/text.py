"""The one rule for text that people send in, whatever the door (staff forms, the portal, the
API, Open311, the importer): control characters are refused with one message, text made only
of spaces and zero-width characters counts as empty.

Refused: C0 controls but tab, line feed and carriage return; DEL and the C1 controls; the
noncharacters U+FFFE/U+FFFF and unpaired surrogates, which no database column stores. Pure
functions; the message is translated lazily.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

# The refused characters as a regular-expression class, shared by the checks here and by the
# OpenAPI document's `pattern` (so the schema says exactly what the server refuses).
CONTROL_CLASS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff"
CONTROL = re.compile(f"[{CONTROL_CLASS}]")
# JSON Schema patterns are ECMA-262: the same class spelled with escapes.
CONTROL_FREE_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]*$"

# Characters that take no room on screen: a title made of them looks empty and is empty.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad"
_BLANK = re.compile(f"^[\\s{ZERO_WIDTH}]*$")

MESSAGE = _("不能含有控制字符（如 NUL）")


class TextRefused(ValueError):
    """Text with a refused character; str() is the message for people."""

    def __init__(self) -> None:
        super().__init__(str(MESSAGE))
        self.message = MESSAGE


def text_problem(value: str | None) -> str | None:
    """The message if `value` carries a refused character, else None."""
    return str(MESSAGE) if value and CONTROL.search(value) else None


def text_blank(value: str | None) -> bool:
    """Empty, or only spaces and zero-width characters."""
    return not value or bool(_BLANK.match(value))


def text_clean(value: str | None) -> str:
    """`value` stripped, "" if blank; TextRefused if it carries a refused character."""
    if value and CONTROL.search(value):
        raise TextRefused()
    if text_blank(value):
        return ""
    return (value or "").strip()


def text_check(
    value: Any,
    *,
    limit: int,
    required: bool = True,
    empty: Any = None,
    counted: bool = False,
) -> tuple[str, str | None]:
    """The one validator of a text field, whatever the door: `value` stripped ("" if blank)
    and what is wrong with it, if anything — a refused character; nothing where something is
    required (`empty`, or 此项为必填项); more than `limit` characters (`counted`: saying how
    many there are). Services, forms' services and importers all call it (or
    `errors.Errors.text` and `errors.text_valid`, which do)."""
    from django.utils.translation import gettext

    raw = "" if value is None else str(value)
    if CONTROL.search(raw):
        return raw.strip(), str(MESSAGE)
    text = "" if text_blank(raw) else raw.strip()
    if not text:
        return text, (str(empty or gettext("此项为必填项")) if required else None)
    if len(text) > limit:
        if counted:
            message = gettext("不能超过 %(limit)d 个字（现有 %(n)d 个）") % {
                "limit": limit,
                "n": len(text),
            }
        else:
            message = gettext("不能超过 %(limit)d 个字") % {"limit": limit}
        return text, message
    return text, None
