"""Related disputes at intake: what a registration (or an online filing) probably repeats.

While a clerk registers, the form proposes the disputes in the clerk's jurisdiction that are
probably the same matter or connected to it: one with the same party (by the phone or ID
digest), the same respondent organisation (name or credit code), the same project, or a similar
text in the same town in the last 180 days. It is about the matter: the reasons name what
matched, never a count or a history of the person, and no phone or ID number is shown.

The clerk then registers anyway, registers and links the new dispute to one of them, or adds
the new facts to one of them instead of registering (views in register_review).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.disputes.models import Dispute, PartyKind, Side
from jiefen.disputes.reads import disputes_in_bulk, parties_with_digests
from jiefen.lib import sealed as lookup
from jiefen.org.scope import Scope, scope_of
from jiefen.regions.models import Level, code_span
from jiefen.search.models import KeyKind, SearchKey
from jiefen.search.segment import clean, similar_words
from jiefen.search.selectors import text_hits

SIMILAR_DAYS = 180
PER_REASON = 5
MOST = 8

REASON_LABELS = {
    "same_party": _("同一当事人（电话或证件号码相同）"),
    "same_respondent": _("同一被申请单位"),
    "same_project": _("同一项目"),
    "similar_text": _("同一乡镇近半年内事由相近"),
    "staff": _("工作人员认定"),
}


@dataclass
class Suggestion:
    dispute: Dispute
    reasons: list[str] = field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASON_LABELS[r]) for r in self.reasons]

    @property
    def reason_keys(self) -> str:
        return ",".join(self.reasons)


def _within(scope: Scope, span: tuple[int, int]) -> Scope:
    """The part of `scope` inside `span`."""
    if scope.everything:
        return Scope(spans=(span,))
    low, high = span
    parts = tuple((max(a, low), min(b, high)) for a, b in scope.spans if a <= high and low <= b)
    return Scope(spans=parts)


def related_for(
    actor: Any,
    *,
    region: Any,
    title: str,
    description: str = "",
    project: str = "",
    parties: list[Any],
    exclude: int | None = None,
    now: datetime | None = None,
    scope: Scope | None = None,
) -> list[Suggestion]:
    """Disputes of the actor's jurisdiction (or of `scope`) probably related to the one
    described, most reasons first, then newest."""
    scope = scope if scope is not None else scope_of(actor)
    if scope.empty:
        return []
    now = now or timezone.now()
    found: dict[int, list[str]] = {}

    def add(ids: Any, reason: str) -> None:
        for pk in ids:
            if pk != exclude:
                reasons = found.setdefault(pk, [])
                if reason not in reasons:
                    reasons.append(reason)

    digests = [
        d
        for p in parties
        for d in (
            lookup.digest(getattr(p, "phone", "")),
            lookup.digest(getattr(p, "id_number", "")),
        )
        if d
    ]
    if digests:
        matches = parties_with_digests(digests)
        matches = matches.filter(scope.q("dispute__region_code"))
        add(
            matches.order_by("-dispute_id").values_list("dispute_id", flat=True)[:PER_REASON],
            "same_party",
        )
    for p in parties:
        if getattr(p, "kind", "") != PartyKind.ORGANISATION or p.side != Side.RESPONDENT:
            continue
        condition = Q(kind=KeyKind.NAME, value=clean(p.name).replace(" ", ""), side=Side.RESPONDENT)
        if p.id_number:
            condition |= Q(kind=KeyKind.CODE, value=p.id_number.strip().upper())
        keys = scope.filter(SearchKey.objects.filter(condition))
        add(
            keys.order_by("-dispute_id").values_list("dispute_id", flat=True)[:PER_REASON],
            "same_respondent",
        )
    if project and clean(project):
        keys = scope.filter(
            SearchKey.objects.filter(kind=KeyKind.PROJECT, value=clean(project)[:100])
        )
        add(
            keys.order_by("-dispute_id").values_list("dispute_id", flat=True)[:PER_REASON],
            "same_project",
        )
    if region is not None:
        level = min(region.level, Level.TOWN)
        town = code_span(code_span(region.code, level)[0], level)
        words = similar_words(f"{title} {title} {description}")
        hits = text_hits(
            _within(scope, town),
            words,
            limit=PER_REASON,
            any_word=True,
            since=now - timedelta(days=SIMILAR_DAYS),
        )
        # A single common word (纠纷) is not a similar text: at least two of its words.
        shared = _shared([pk for pk, _score in hits], words)
        add([pk for pk, _score in hits if shared.get(pk, 0) >= 2], "similar_text")
    if not found:
        return []
    disputes = disputes_in_bulk(found, related=["category", "holder", "region"])
    suggestions = [Suggestion(disputes[pk], found[pk]) for pk in found if pk in disputes]
    suggestions.sort(key=lambda s: (-len(s.reasons), -s.dispute.registered_at.timestamp()))
    return suggestions[:MOST]


def _shared(pks: list[int], words: list[str]) -> dict[int, int]:
    """For each dispute of `pks`, how many of `words` its index entry holds (one query)."""
    from jiefen.search.models import SearchEntry

    if not pks:
        return {}
    counts = {}
    for pk, title, body in SearchEntry.objects.filter(pk__in=pks).values_list(
        "pk", "title", "body"
    ):
        tokens = set(f"{title} {body}".split())
        counts[pk] = sum(1 for w in words if w in tokens)
    return counts


# ---------------------------------------------------------------------------------------------
# The suggestions on a dispute's page, kept until the data they come from changes

GENERATION = "jiefen:related:generation"
KEPT_SECONDS = 24 * 3600


def related_forget() -> None:
    """Every kept suggestion is out of date: a dispute's words, parties or keys changed (called
    by the index's follower at every write that rewrites index rows, and after a rebuild)."""
    generation = uuid.uuid4().hex
    if not _generation_rewritten(generation):
        cache.set(GENERATION, generation, timeout=None)


def _generation_rewritten(generation: str) -> bool:
    """On Django's database cache, the generation's row rewritten by one UPDATE. A cache.set
    there counts the whole cache table (to decide whether to cull it), reads the row, then
    writes it, in a transaction of its own: at every registration. False where the row is not
    there (never set, or culled: cache.set then writes it) or the cache lives elsewhere (Redis,
    files), where a set costs no statement."""
    import base64
    import pickle

    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache
    from django.db import connections, router

    backend = caches["default"]
    if not isinstance(backend, DatabaseCache):
        return False
    # Stored as DatabaseCache stores a value: base64 of its pickle. The row's expiry stays
    # "never", as set by the cache.set that wrote the row.
    value = base64.b64encode(pickle.dumps(generation, backend.pickle_protocol)).decode("latin1")
    connection = connections[router.db_for_write(backend.cache_model_class)]
    table = connection.ops.quote_name(backend._table)  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = %s WHERE cache_key = %s",
            [value, backend.make_and_validate_key(GENERATION)],
        )
        return cursor.rowcount == 1


def related_for_page(actor: Any, dispute: Dispute) -> list[Suggestion]:
    """`related_for` of a dispute as its page shows it, kept in the cache until a write changes
    what the suggestions are computed from (a registration, new words, parties, keys), the
    dispute itself changes (its version), or the day turns (the 180-day window moves). The
    actor's jurisdiction is part of the key; the disputes themselves are read fresh. One cache
    read (the generation and the kept answer together)."""
    scope = scope_of(actor)
    if scope.empty:
        return []
    spans = "all" if scope.everything else repr(scope.spans)
    today = timezone.localdate()
    raw = f"{dispute.pk}|{dispute.version}|{spans}|{today.isoformat()}"
    key = "jiefen:related:" + hashlib.sha256(raw.encode()).hexdigest()
    found = cache.get_many([GENERATION, key])
    generation = found.get(GENERATION)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.add(GENERATION, generation, timeout=None)
    held = found.get(key)
    kept = held[1] if held is not None and held[0] == generation else None
    if kept is None:
        suggestions = related_for(
            actor,
            region=dispute.region,
            title=dispute.title,
            description=dispute.description,
            project=dispute.project,
            parties=list(dispute.parties.all()),
            exclude=dispute.pk,
            scope=scope,
        )
        answer = [(s.dispute.pk, s.reasons) for s in suggestions]
        cache.set(key, (generation, answer), KEPT_SECONDS)
        return suggestions
    if not kept:
        return []
    disputes = disputes_in_bulk(
        [pk for pk, _reasons in kept], related=["category", "holder", "region"]
    )
    return [Suggestion(disputes[pk], list(reasons)) for pk, reasons in kept if pk in disputes]


# ---------------------------------------------------------------------------------------------
# The related-disputes panel of the staff dispute page, read with the dispute (disputes.page)

PAGE_LINKS = 50


def page_parts_register() -> None:
    """The dispute's links and merges, both ways, with the disputes at their other end."""
    from django.db.models import OuterRef

    from jiefen.disputes import page
    from jiefen.search.models import DisputeLink

    page.rows(
        "search.links",
        lambda: DisputeLink.objects.filter(
            Q(source=OuterRef("pk")) | Q(target=OuterRef("pk"))
        ).order_by("-at")[:PAGE_LINKS],
        related=("source", "target", "actor"),
    )
