"""Replacing the parties' names in text kept after the retention period (pure, no Django).

Retention (privacy.retention) anonymises the parties of disputes closed long ago; the text
that must stay readable keeps its words with the names replaced by neutral labels and long
digit runs masked. The labels, the notes and the scrubber live here so that the dispute
services (which rewrite the dispute tables) and privacy (which rewrites the other apps' rows)
share them.
"""

from __future__ import annotations

import re
from typing import Any

# Stored data, not interface text: written once into the record, in the record's language.
LABELS = "甲乙丙丁戊己庚辛壬癸"
REMOVED = "〔已按保存期限删除〕"
NUMBER_MASK = "〔号码已删除〕"
# Seven digits or more (a phone, ID or bank number), spaces allowed, or a dashed mobile number;
# a dashed date (2026-03-05) is not one.
LONG_NUMBER = re.compile(r"(?<!\d)(?:\d(?: ?\d){6,}[Xx]?|1\d{2}-\d{4}-\d{4})(?!\d)")


def label(index: int) -> str:
    return f"当事人{LABELS[index]}" if index < len(LABELS) else f"当事人{index + 1}"


class Scrubber:
    """Replaces the parties' names and addresses by labels and masks long numbers."""

    def __init__(self, replacements: dict[str, str]) -> None:
        # Longest first, so 张三丰 is not left as 当事人甲丰.
        self.pairs = sorted(
            ((old, new) for old, new in replacements.items() if len(old) >= 2),
            key=lambda pair: -len(pair[0]),
        )

    def text(self, value: str, numbers: bool = True) -> str:
        if not value:
            return value
        for old, new in self.pairs:
            value = value.replace(old, new)
        return LONG_NUMBER.sub(NUMBER_MASK, value) if numbers else value

    def data(self, value: Any) -> Any:
        """Names only in structured parameters: their numbers are ids, dates and counts the
        statistics read."""
        if isinstance(value, str):
            return self.text(value, numbers=False)
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        return value
