"""Chinese word segmentation for the search index and for queries, with jieba.

The index stores each text already segmented (words separated by spaces) so that the database
needs no Chinese tokenizer of its own: SQLite's FTS5 `unicode61` and PostgreSQL's 'simple'
configuration then only split on the spaces. Texts are cut in jieba's search mode (a long word
and the shorter words inside it: 宅基地 → 宅基, 基地, 宅基地), queries in its precise mode, so a
query word finds a text holding it either whole or as part of a longer word.

The dictionary of dispute vocabulary shipped beside this module (dict/dispute_words.txt) keeps
words such as 拖欠工资 or 征地拆迁 in one piece.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

DICTIONARY = Path(__file__).with_name("dict") / "dispute_words.txt"

# Zero-width and direction characters, which a paste from a chat program leaves behind and which
# would otherwise split or glue words invisibly.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# A word worth indexing: letters (any script, CJK included) or digits, nothing else.
_WORD = re.compile(r"^\w+$")
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _jieba() -> Any:
    # Loaded on first use: the dictionary takes about half a second, which a process that never
    # searches (a worker, a migration) should not pay.
    with _lock:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.load_userdict(str(DICTIONARY))
        tokenizer.initialize()
        return tokenizer


def clean(text: str | None) -> str:
    """The text as it is matched: NFKC (full-width letters and digits to ordinary ones),
    invisible characters removed, lower case, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _INVISIBLE.sub("", text)
    return " ".join(text.lower().split())


def _words(pieces: Any) -> list[str]:
    return [p for p in (piece.strip() for piece in pieces) if p and _WORD.match(p)]


@lru_cache(maxsize=100_000)
def _block_tokens(block: str) -> tuple[str, ...]:
    return tuple(_words(_jieba().cut_for_search(block)))


def index_tokens(text: str | None) -> str:
    """`text` segmented for the index: words (search mode) separated by single spaces.

    jieba cuts each run of letters and digits between punctuation on its own (its `re_han`
    split), so the runs are cut here one by one and remembered: the same clause (调解员分别听取
    双方陈述) recurs across session records and agreements, and a rebuild then segments it
    once. The words are exactly jieba's for the whole text (test_segment)."""
    text = clean(text)
    if not text:
        return ""
    import jieba

    words: list[str] = []
    for block in jieba.re_han_default.split(text):
        if block:
            words.extend(_block_tokens(block))
    return " ".join(words)


def query_words(text: str | None) -> list[str]:
    """The distinct words of a query (precise mode), in the order typed."""
    text = clean(text)
    seen: dict[str, None] = {}
    for word in _words(_jieba().cut(text)):
        seen.setdefault(word, None)
    return list(seen)


def similar_words(text: str | None, limit: int = 8) -> list[str]:
    """The longer words of a text (two characters or more, search mode), for "a similar text":
    the suggestions at intake look for any of them."""
    seen: dict[str, None] = {}
    for word in _words(_jieba().cut(clean(text))):
        if len(word) >= 2 and not word.isdigit():
            seen.setdefault(word, None)
    return sorted(seen, key=len, reverse=True)[:limit]
