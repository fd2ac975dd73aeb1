"""Finding disputes from a search box, and the disputes probably related to one being registered.

Every kind of query is answered from an index and inside the actor's jurisdiction: the
jurisdiction's code ranges are a condition of each index query (on PostgreSQL, of the words'
index itself: region_words), so a foreign dispute is never read, and the list's other filters
are applied after (disputes.selectors.dispute_list passes them as `narrow`). The results are at
most CANDIDATES matches of each kind (the newest, where there are more), ranked: a number, a
phone or ID number or a credit code first (they name a dispute), then a party's exact name, a
name's prefix, and the words of the text by relevance (FTS5's bm25, PostgreSQL's ts_rank),
newest first among equals. Pages follow one another by the id of the row they follow, within
that ranking, and no page counts the table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from jiefen.disputes.models import Dispute
from jiefen.disputes.reads import disputes_in_bulk, parties_with_digests
from jiefen.disputes.selectors import Page
from jiefen.org.scope import Scope, scope_of
from jiefen.search.models import KeyKind, SearchKey
from jiefen.search.query import Query, parse

CANDIDATES = 1000
_TOP = "\U0010ffff"

# Ranks of the kinds of match, best first.
EXACT, NAME, NAME_PREFIX, TEXT = 0, 1, 2, 3


@dataclass
class Hit:
    rank: int
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


@dataclass
class SearchPage(Page):
    query: Query | None = None
    capped: bool = False


def _spans(scope: Scope, column: str) -> tuple[str, list[Any]]:
    if scope.everything:
        return "1 = 1", []
    sql = " OR ".join(f"{column} BETWEEN %s AND %s" for _ in scope.spans)
    params = [bound for span in scope.spans for bound in span]
    return f"({sql})", params


def _add(hits: dict[int, Hit], pk: int, rank: int, reason: str, score: float = 0.0) -> None:
    hit = hits.get(pk)
    if hit is None:
        hits[pk] = Hit(rank=rank, score=score, reasons=[reason])
        return
    if rank < hit.rank or (rank == hit.rank and score < hit.score):
        hit.rank, hit.score = rank, score
    if reason not in hit.reasons:
        hit.reasons.append(reason)


def _keys(scope: Scope, kind: str, value: str, *, prefix: bool, limit: int) -> list[int]:
    qs = scope.filter(SearchKey.objects.filter(kind=kind))
    if prefix:
        # Highest first: a number's beginning (a town and year) gives its newest numbers.
        qs = qs.filter(value__gte=value, value__lt=value + _TOP).order_by("-kind", "-value")
    else:
        qs = qs.filter(value=value)
    return list(qs.values_list("dispute_id", flat=True)[:limit])


def _names(scope: Scope, name: str, *, limit: int) -> list[tuple[int, str]]:
    """(dispute id, name) of the parties named `name` or a name beginning with it (two
    characters or more), in one read of the key index: in byte order, so the exact name comes
    first."""
    qs = scope.filter(SearchKey.objects.filter(kind=KeyKind.NAME))
    if len(name) >= 2:
        qs = qs.filter(value__gte=name, value__lt=name + _TOP).order_by("kind", "value")
    else:
        qs = qs.filter(value=name)
    return list(qs.values_list("dispute_id", "value")[:limit])


def text_hits(
    scope: Scope,
    words: list[str],
    *,
    limit: int,
    any_word: bool = False,
    since: datetime | None = None,
) -> list[tuple[int, float]]:
    """(dispute id, score: lower is better) of the newest `limit` disputes whose text holds
    every word (any word, with `any_word`), best first."""
    if scope.empty or not words:
        return []
    if connection.vendor == "postgresql":
        found = _indexed(scope, words, limit=limit, any_word=any_word, since=since)
        return sorted(found, key=lambda hit: hit[1])
    where, params = _spans(scope, "e.region_code")
    if since is not None:
        where += " AND e.registered_at >= %s"
        params.append(since)
    if _small(where, params):
        return _scanned(where, params, words, limit=limit, any_word=any_word)
    # Each word quoted as an FTS5 string: the words are letters and digits only
    # (segment._WORD), so no query syntax can reach MATCH.
    joiner = " OR " if any_word else " "
    match = joiner.join('"{}"'.format(w.replace('"', '""')) for w in words)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.dispute_id, bm25(search_fts, 4.0, 1.0) AS score "
            "FROM search_fts JOIN search_entry e ON e.dispute_id = search_fts.rowid "
            f"WHERE search_fts MATCH %s AND {where} "
            "ORDER BY search_fts.rowid DESC LIMIT %s",
            [match, *params, limit],
        )
        found = [(int(pk), float(score)) for pk, score in cursor.fetchall()]
    # The newest `limit` matches, read in the index's id order (which stops after `limit`),
    # ranked here: ranking every match of a common word would read its whole posting list.
    return sorted(found, key=lambda hit: hit[1])


# PostgreSQL's index of the words (migration 0002): each entry's text words and its region
# code's prefixes at every level as words of their own (~33, ~3306, ~330681, ~330681109,
# ~330681109008), so that the jurisdiction is a condition the index answers with the words.
WORDS = (
    "(tsv || array_to_tsvector(ARRAY["
    "'~' || left(region_code::text, 2), '~' || left(region_code::text, 4), "
    "'~' || left(region_code::text, 6), '~' || left(region_code::text, 9), "
    "'~' || region_code::text]))"
)
_PREFIXES = (2, 4, 6, 9, 12)
# A jurisdiction of more code prefixes than this is tested on the rows instead.
MOST_REGION_WORDS = 64


def region_words(scope: Scope) -> list[str] | None:
    """The index words (WORDS) whose disputes are exactly those of the scope's ranges: each
    range cut into whole subtrees, largest first (a town's range is one word, ~330681109).
    [] for everything; None when that takes more than MOST_REGION_WORDS."""
    if scope.everything:
        return []
    found: list[str] = []
    for low, high in scope.spans:
        if low < 10**11 or high >= 10**12:
            return None  # not 12-digit codes: no prefixes
        while low <= high:
            for digits in _PREFIXES:
                width = 10 ** (12 - digits)
                if low % width == 0 and low + width - 1 <= high:
                    break
            found.append("~" + str(low)[:digits])
            low += width
            if len(found) > MOST_REGION_WORDS:
                return None
    return found


def _indexed(
    scope: Scope, words: list[str], *, limit: int, any_word: bool, since: datetime | None
) -> list[tuple[int, float]]:
    """text_hits on PostgreSQL: the newest `limit` entries holding the words and one of the
    jurisdiction's region words, found in the index (WORDS), ranked by the words alone
    (ts_rank, computed for those entries only)."""
    joiner = " | " if any_word else " & "
    terms = joiner.join("'{}'".format(w.replace("'", "''").replace("\\", "")) for w in words)
    regions = region_words(scope)
    condition = f"{WORDS} @@ query"
    params: list[Any] = []
    if regions:
        # Region words are given as a tsquery's own text (to_tsquery would parse away the ~);
        # they are digits and ~ only.
        condition = f"{WORDS} @@ (query && CAST(%s AS tsquery))"
        params.append(" | ".join(f"'{word}'" for word in regions))
    elif regions is None:
        where, spans = _spans(scope, "e.region_code")
        condition += f" AND {where}"
        params += spans
    if since is not None:
        condition += " AND e.registered_at >= %s"
        params.append(since)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.dispute_id, -ts_rank(s.tsv, s.query) AS score FROM ("
            "SELECT e.dispute_id, e.tsv, query FROM search_entry e, "
            f"to_tsquery('simple', %s) query WHERE numnode(query) > 0 AND {condition} "
            "ORDER BY e.dispute_id DESC LIMIT %s) s",
            [terms, *params, limit],
        )
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


# SQLite: a jurisdiction of fewer index entries than this is read through the region index and
# its entries' words tested one by one (at most PROBE rows, as the list does:
# disputes.selectors): FTS5 would walk the whole posting list of a common word (纠纷 is in
# nearly every dispute) to find the few of a village. PostgreSQL's index holds the jurisdiction
# (WORDS), so it finds the village's few directly.
PROBE = 5_000


def _small(where: str, params: list[Any]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM search_entry e WHERE {where} LIMIT %s) s",
            [*params, PROBE],
        )
        return cursor.fetchone()[0] < PROBE


def _scanned(
    where: str, params: list[Any], words: list[str], *, limit: int, any_word: bool
) -> list[tuple[int, float]]:
    """text_hits over a small jurisdiction: its entries whose words include the query's,
    scored by how often they occur (the title counting four times), newest first among
    equals."""
    joiner = " OR " if any_word else " AND "
    tests = joiner.join(
        "(' ' || e.title || ' ' || e.body || ' ') LIKE %s ESCAPE '!'" for _word in words
    )
    patterns = [
        "% " + w.replace("!", "!!").replace("%", "!%").replace("_", "!_") + " %" for w in words
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.dispute_id, e.title, e.body FROM search_entry e WHERE {where} "
            f"AND ({tests}) ORDER BY e.dispute_id DESC LIMIT %s",
            [*params, *patterns, limit],
        )
        rows = cursor.fetchall()
    scored = []
    for pk, title, body in rows:
        title_words, body_words = title.split(), body.split()
        hits = sum(4 * title_words.count(w) + body_words.count(w) for w in words)
        scored.append((int(pk), -hits / (1 + (len(title_words) + len(body_words)) / 50)))
    return sorted(scored, key=lambda hit: hit[1])


def digest_hits(scope: Scope, digests: list[str], *, limit: int) -> list[int]:
    if scope.empty or not digests:
        return []
    parties = parties_with_digests(digests)
    return list(
        parties.filter(scope.q("dispute__region_code"))
        .values_list("dispute_id", flat=True)
        .distinct()[:limit]
    )


def _hits(scope: Scope, query: Query, limit: int) -> dict[int, Hit]:
    hits: dict[int, Hit] = {}
    if scope.empty:
        return hits
    for pk in digest_hits(scope, query.digests, limit=limit):
        _add(hits, pk, EXACT, "number")
    if query.code:
        for pk in _keys(scope, KeyKind.CODE, query.code, prefix=False, limit=limit):
            _add(hits, pk, EXACT, "code")
    if query.number:
        part = query.number
        wanted = [part]
        if part.isdigit() and len(part) <= 6:
            wanted.insert(0, f"-{int(part):06d}")  # 441 → the sequence -000441
        for suffix in wanted:
            for pk in _keys(scope, KeyKind.NUMBER, suffix[::-1], prefix=True, limit=limit):
                _add(hits, pk, EXACT, "dispute_number")
        # A number's beginning (330681109-2026): the numbers of a town and year, newest first.
        for pk in _keys(scope, KeyKind.NUMBER_START, part, prefix=True, limit=limit):
            _add(hits, pk, EXACT, "dispute_number")
    if query.name:
        name = query.name.replace(" ", "")
        for pk, value in _names(scope, name, limit=limit):
            _add(hits, pk, NAME if value == name else NAME_PREFIX, "name")
    for pk, score in text_hits(scope, query.words, limit=limit):
        _add(hits, pk, TEXT, "text", score)
    return hits


Narrow = Callable[[list[int]], Any]


def search_page(
    actor: Any,
    raw: str,
    narrow: Narrow,
    *,
    after: int | None = None,
    before: int | None = None,
    size: int = 50,
    sort: str = "relevance",
) -> SearchPage:
    """A page of the disputes matching the search box's `raw` text in the actor's
    jurisdiction, filtered by `narrow` (the list's other filters: ids → (id, registered_at,
    due date) rows), best match first; with `sort` "due" the soonest deadline first (undated
    last), with "registered" the newest first, the match's rank deciding among equals."""
    query = parse(raw)
    if not query.searchable:
        return SearchPage(
            rows=[], next_after=None, prev_before=None, query=query, count=0, count_kind="exact"
        )
    hits = _hits(scope_of(actor), query, CANDIDATES)
    capped = len(hits) >= CANDIDATES
    facts = {pk: (registered, due) for pk, registered, due in narrow(list(hits))} if hits else {}
    ranked = sorted(facts, key=_order(sort, hits, facts))
    start = 0
    if after is not None and after in facts:
        start = ranked.index(after) + 1
    elif before is not None and before in facts:
        start = max(0, ranked.index(before) - size)
    # A phone or ID number is not carried into the next page's address (it would be the number
    # in the browser's history and the server's logs): its matches are the first page only.
    end = start + size
    chosen = ranked[start:end]
    by_id = disputes_in_bulk(chosen, related=["category", "holder", "region"])
    rows = [by_id[pk] for pk in chosen if pk in by_id]
    names = _matched_names(rows, query)
    for row in rows:
        row.hit = describe(row, hits[row.pk], query, names.get(row.pk, []))  # type: ignore[attr-defined]
    more = end < len(ranked) and not query.sensitive
    return SearchPage(
        rows=rows,
        next_after=rows[-1].pk if more and rows else None,
        prev_before=rows[0].pk if start > 0 and rows and not query.sensitive else None,
        sort=sort,
        count=len(ranked),
        count_kind="over" if capped else "exact",
        query=query,
        capped=capped,
    )


def _order(
    sort: str, hits: dict[int, Hit], facts: dict[int, tuple[datetime, date | None]]
) -> Callable[[int], tuple[Any, ...]]:
    def relevance(pk: int) -> tuple[Any, ...]:
        return (hits[pk].rank, hits[pk].score, -facts[pk][0].timestamp(), -pk)

    if sort == "due":
        return lambda pk: (facts[pk][1] is None, facts[pk][1] or date.max, *relevance(pk))
    if sort == "registered":
        return lambda pk: (-facts[pk][0].timestamp(), -pk)
    return relevance


def _matched_names(rows: list[Dispute], query: Query) -> dict[int, list[str]]:
    if not query.name or not rows:
        return {}
    name = query.name.replace(" ", "")
    found: dict[int, list[str]] = {}
    keys = SearchKey.objects.filter(
        dispute_id__in=[r.pk for r in rows],
        kind=KeyKind.NAME,
        value__gte=name,
        value__lt=name + _TOP,
    ).values_list("dispute_id", "value")
    for pk, value in keys:
        found.setdefault(pk, []).append(value)
    return found


def _pattern(words: list[str]) -> re.Pattern[str] | None:
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def highlight(text: str, words: list[str], *, around: int | None = None) -> SafeString:
    """`text` escaped, with the words marked; with `around`, only a stretch of about that many
    characters either side of the first match (or "" if none)."""
    text = text or ""
    pattern = _pattern(words)
    if pattern is None:
        return mark_safe("") if around is not None else escape(text)
    if around is not None:
        first = pattern.search(text)
        if first is None:
            return mark_safe("")
        low = max(0, first.start() - around)
        high = min(len(text), first.end() + around)
        text = ("…" if low else "") + text[low:high] + ("…" if high < len(text) else "")
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # every piece escaped above


@dataclass
class Shown:
    title: SafeString
    snippet: SafeString
    number: SafeString
    reasons: list[SafeString] | list[str]


REASON_LABELS = {
    "number": lambda: _("电话或证件号码相符"),
    "code": lambda: _("统一社会信用代码相符"),
    "dispute_number": lambda: _("编号相符"),
    "name": lambda: _("当事人姓名或名称"),
    "text": lambda: _("事由或内容"),
}


def describe(row: Dispute, hit: Hit, query: Query, names: list[str]) -> Shown:
    words = list(query.words)
    reasons = []
    for reason in hit.reasons:
        label = str(REASON_LABELS[reason]())
        if reason == "name" and names:
            shown_names = "、".join(str(highlight(n, [query.name])) for n in names[:3])
            label = f"{escape(label)}：{shown_names}"
        elif reason == "number":
            label = f"{escape(label)}：{escape(query.shown)}"
        else:
            label = escape(label)
        reasons.append(mark_safe(label))  # pieces escaped above
    number_words = [query.number, f"-{int(query.number):06d}"] if query.number.isdigit() else []
    if query.number and not query.number.isdigit():
        number_words = [query.number]
    return Shown(
        title=highlight(row.title, words),
        snippet=highlight(row.description, words, around=30) if words else mark_safe(""),
        number=highlight(row.number, number_words),
        reasons=reasons,
    )
