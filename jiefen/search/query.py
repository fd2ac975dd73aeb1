"""What a search box's text asks for: words, a name, a phone or ID number, a number's part.

One box serves every kind, as a clerk types whatever the person at the desk says. Parsing
never fails: input that cannot be searched well (empty, one character, only punctuation,
too long) yields a message instead of a query, and every kind found is answered from an index
(see selectors), never by scanning the disputes.

A phone or ID number is kept here only as its lookup digest and its masked form: the number
itself is not stored, logged or shown back (see `Query.shown`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from jiefen.lib import sealed as lookup
from jiefen.lib.personal import mask_id, mask_phone, valid_credit_code
from jiefen.search.segment import clean, query_words

MAX_LENGTH = 100
MAX_WORDS = 12

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")
_RESIDENT_ID = re.compile(r"^(\d{17}[\dX]|\d{15})$")
# A dispute number or a part of one: 330681109-2026-000441, 2026-000441, 000441, 441.
_NUMBER_PART = re.compile(r"^[\d-]+$")
_MASKED = re.compile(r"\d\*{3,}\d")


@dataclass
class Query:
    text: str = ""
    words: list[str] = field(default_factory=list)
    # The name typed, for an exact or prefix match on parties' names.
    name: str = ""
    # An organisation's unified social credit code.
    code: str = ""
    # Lookup digests of a phone or ID number (never the number).
    digests: list[str] = field(default_factory=list)
    # A dispute number's part, and whether it may be the sequence at its end (441 → 000441).
    number: str = ""
    # What the box shows back: the text, or the number masked.
    shown: str = ""
    sensitive: bool = False
    message: str = ""

    @property
    def searchable(self) -> bool:
        return not self.message and bool(
            self.words or self.name or self.code or self.digests or self.number
        )


def parse(raw: str | None) -> Query:
    text = clean(raw)
    if not text:
        return Query(message=_("请输入要查找的内容：当事人姓名、电话、纠纷编号或事由中的词"))
    if len(text) > MAX_LENGTH:
        return Query(
            shown=lookup_safe(text[:MAX_LENGTH]),
            message=_("查找内容不能超过 %(max)d 个字，请缩短后再查") % {"max": MAX_LENGTH},
        )
    if _MASKED.search(text):
        # The box showing back a number searched before, masked: it finds nothing as it is.
        return Query(shown=text, message=_("号码已隐去，请重新输入完整的电话或证件号码"))
    compact = lookup.normalise(text)
    if _MOBILE.match(compact) or _LANDLINE.match(compact):
        return Query(digests=[lookup.digest(compact)], shown=mask_phone(compact), sensitive=True)
    upper = compact.upper()
    if _RESIDENT_ID.match(upper):
        query = Query(digests=[lookup.digest(upper)], shown=mask_id(upper), sensitive=True)
        if valid_credit_code(upper):  # an all-digit credit code has the same shape
            query.code = upper
        return query
    if len(upper) == 18 and valid_credit_code(upper):
        return Query(code=upper, shown=upper)
    part = text.replace(" ", "")
    if _NUMBER_PART.match(part) and sum(c.isdigit() for c in part) >= 3:
        return Query(number=part.strip("-"), shown=part)
    words = query_words(text)
    if not words:
        return Query(shown=text, message=_("查找内容里没有可查的字词，请输入文字或数字"))
    if len(text.replace(" ", "")) < 2:
        return Query(shown=text, message=_("请至少输入两个字，一个字能查到的纠纷太多"))
    name = text if len(text) <= 50 and " " not in text else ""
    shown = lookup_safe(text)
    return Query(
        text=text, words=words[:MAX_WORDS], name=name, shown=shown, sensitive=shown != text
    )


def lookup_safe(text: str) -> str:
    """`text` with any phone or ID number in it masked, for showing back."""
    from jiefen.ops.logging import mask_text

    return mask_text(text)
