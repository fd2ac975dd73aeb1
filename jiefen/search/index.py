"""Keeping the search index: one dispute at a time in the transaction of its write, or all.

`index_follow` is registered in disputes.services.EVENT_FOLLOWERS, so every event whose action
changes what is searched (registration, a session record, a resolution with its agreement,
anonymisation, facts added at intake) rewrites the dispute's index rows in the same
transaction: a search never finds a name anonymisation removed, and finds a registration as soon
as it is committed. `index_rebuild` rewrites everything, in batches, for `jiefen search rebuild`
(after a bulk load that bypassed the services, such as the demo).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import TextField, Value

from jiefen.disputes.models import Agreement, PartyKind, Session
from jiefen.disputes.reads import (
    dispute_find,
    dispute_ids,
    dispute_total,
    disputes_after,
    event_latest_id,
    events_of_disputes,
    parties_of_disputes,
    tables_analysed,
)
from jiefen.lib.rows import rows_insert
from jiefen.search.models import KeyKind, SearchEntry, SearchKey
from jiefen.search.segment import clean, index_tokens

TEXT_ACTIONS = {"register", "session", "resolve", "anonymise", "facts_added", "merged_from"}
# Written by disputes.services on the dispute it holds locked and up to date, so indexed from
# that object (the others, e.g. anonymisation's bulk updates, read it again). A session record
# or an agreement adds words only: the keys (number, project, parties) stay as they are.
TEXT_ONLY_ACTIONS = {"session", "resolve"}


def _keys(dispute: Any, parties: Iterable[Any]) -> list[SearchKey]:
    keys = [
        SearchKey(
            dispute_id=dispute.pk,
            region_code=dispute.region_code,
            kind=KeyKind.NUMBER,
            value=dispute.number[::-1],
        ),
        SearchKey(
            dispute_id=dispute.pk,
            region_code=dispute.region_code,
            kind=KeyKind.NUMBER_START,
            value=dispute.number,
        ),
    ]
    if dispute.project:
        keys.append(
            SearchKey(
                dispute_id=dispute.pk,
                region_code=dispute.region_code,
                kind=KeyKind.PROJECT,
                value=clean(dispute.project)[:100],
            )
        )
    for party in parties:
        if party.anonymised_at is not None:
            continue  # a label (当事人甲), not a name
        name = clean(party.name).replace(" ", "")[:100]
        if name:
            keys.append(
                SearchKey(
                    dispute_id=dispute.pk,
                    region_code=dispute.region_code,
                    kind=KeyKind.NAME,
                    value=name,
                    side=party.side,
                )
            )
        if party.kind == PartyKind.ORGANISATION and party.id_number:
            keys.append(
                SearchKey(
                    dispute_id=dispute.pk,
                    region_code=dispute.region_code,
                    kind=KeyKind.CODE,
                    value=party.id_number.strip().upper()[:100],
                    side=party.side,
                )
            )
    return keys


def _texts(disputes: list[Any]) -> dict[int, list[str]]:
    """The searchable texts of these disputes: their own, their sessions', their agreement's
    and the facts added later, read in one statement."""
    ids = [d.pk for d in disputes]
    texts: dict[int, list[str]] = {d.pk: [d.description, d.project] for d in disputes}
    sessions = Session.objects.filter(dispute_id__in=ids).order_by()
    agreements = Agreement.objects.filter(dispute_id__in=ids).order_by()
    added = events_of_disputes(ids, action="facts_added").order_by()
    rows = sessions.values_list("dispute_id", "record", "agreed").union(
        agreements.values_list("dispute_id", "facts", "terms"),
        added.values_list("dispute_id", "reason", Value("", output_field=TextField())),
        all=True,
    )
    for pk, first, second in rows:
        texts[pk] += [first, second]
    return texts


def _delete(disputes: Iterable[int]) -> None:
    """The index rows of these disputes, each table in one DELETE (derived rows: no signals,
    no audit record, nothing refers to them)."""
    ids = list(disputes)
    for model in (SearchKey, SearchEntry):
        found = model.objects.filter(dispute_id__in=ids)
        found._raw_delete(found.db)  # type: ignore[attr-defined]


def _has_parties(dispute: Any) -> bool:
    return "parties" in getattr(dispute, "_prefetched_objects_cache", {})


def _built(
    disputes: list[Any], *, new: bool = False, texts: dict[int, list[str]] | None = None
) -> tuple[list[SearchEntry], list[SearchKey]]:
    """The index rows of these disputes, read and segmented; nothing written. `new`: disputes
    just registered, with nothing indexed nor any session, agreement or added facts yet.
    `texts`: their searchable texts, when the caller has them in hand."""
    ids = [d.pk for d in disputes]
    parties: dict[int, list[Any]] = {pk: [] for pk in ids}
    # A registration hands over the parties it has just written.
    known = {
        d.pk: list(d._prefetched_objects_cache["parties"]) for d in disputes if _has_parties(d)
    }
    for party in (
        parties_of_disputes([pk for pk in ids if pk not in known]).only(
            "dispute_id", "name", "side", "kind", "id_number", "anonymised_at"
        )
        if len(known) < len(ids)
        else ()
    ):
        parties[party.dispute_id].append(party)
    parties.update(known)
    if texts is None:
        texts = {d.pk: [d.description, d.project] for d in disputes} if new else _texts(disputes)
    entries = [
        SearchEntry(
            dispute_id=d.pk,
            region_code=d.region_code,
            registered_at=d.registered_at,
            title=index_tokens(d.title),
            body=index_tokens("\n".join(t for t in texts[d.pk] if t)),
        )
        for d in disputes
    ]
    return entries, [key for d in disputes for key in _keys(d, parties[d.pk])]


def _store(
    ids: list[int], entries: list[SearchEntry], keys: list[SearchKey], *, new: bool = False
) -> None:
    if not new:
        _delete(ids)
    # Derived index rows, rebuilt from the audited records: no records of their own.
    rows_insert(SearchEntry, entries)
    rows_insert(SearchKey, keys)


def _write(disputes: list[Any], *, new: bool = False) -> None:
    """`new`: disputes just registered, with nothing indexed nor any session, agreement or
    added facts yet."""
    entries, keys = _built(disputes, new=new)
    _store([d.pk for d in disputes], entries, keys, new=new)


def index_replayed(disputes: list[Any], agreements: dict[int, Any]) -> None:
    """Index fresh disputes replayed in memory and written together (an import's chunk), as
    index_follow would have after their registration and resolution: the parties are in hand
    (prefetched), the texts are their own and their agreement's (`agreements`: dispute id →
    agreement); such a dispute has no session nor added facts."""
    if not disputes:
        return
    texts = {d.pk: [d.description, d.project] for d in disputes}
    for pk, agreement in agreements.items():
        texts[pk] += [agreement.facts, agreement.terms]
    entries, keys = _built(disputes, new=True, texts=texts)
    _store([d.pk for d in disputes], entries, keys, new=True)
    _suggestions_out_of_date()


def _rewrite_entry(dispute: Any) -> None:
    """The words of one dispute again, its keys untouched."""
    body = index_tokens("\n".join(t for t in _texts([dispute])[dispute.pk] if t))
    if not SearchEntry.objects.filter(dispute_id=dispute.pk).update(body=body):
        _write([dispute])  # never indexed (a database loaded around the services): all of it


_FIELDS = ("id", "number", "region_code", "registered_at", "title", "description", "project")


def dispute_index(dispute_id: int) -> None:
    """Rewrite one dispute's index rows from what is in the database now (in the caller's
    transaction)."""
    dispute = dispute_find(dispute_id, fields=_FIELDS)
    if dispute is None:
        _delete([dispute_id])
        return
    _write([dispute])


def index_follow(event: Any, dispute: Any) -> None:
    """In the event's transaction, from the dispute as its writer holds it (every field the
    index reads is on it)."""
    if event.action == "register":
        _write([dispute], new=True)
    elif event.action in TEXT_ONLY_ACTIONS:
        _rewrite_entry(dispute)
    elif event.action in TEXT_ACTIONS:
        dispute_index(dispute.pk)
    else:
        return
    _suggestions_out_of_date()


def _suggestions_out_of_date() -> None:
    """The related disputes kept for dispute pages are computed from these rows: forget them
    once the write is committed. A page read before the commit sees the old rows and keeps them
    under the generation the commit then replaces; the write itself sends no cache statement."""
    from jiefen.search.intake import related_forget

    transaction.on_commit(related_forget)


def index_rebuild(*, batch: int = 1000, progress: Callable[[int, int], None] | None = None) -> int:
    """Rewrite the whole index, `batch` disputes per transaction; `progress(done, total)` after
    each batch. Returns how many disputes were indexed."""
    total = dispute_total()  # a command, not a request: it says how far it has come
    tables_analysed()  # after a bulk load: 35 ms instead of 5 s per 1,000 disputes at 1 M
    with transaction.atomic():
        # Entries of disputes that no longer exist (none are deleted today, but cheaply safe).
        SearchEntry.objects.exclude(dispute_id__in=dispute_ids()).delete()
    done, last = 0, 0
    while True:
        rows = disputes_after(last, size=batch, fields=_FIELDS)
        if not rows:
            break
        with transaction.atomic():
            _write(rows)
        done += len(rows)
        last = rows[-1].pk
        if progress is not None:
            progress(done, total)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        elif connection.vendor == "postgresql":
            # Fresh statistics of the words: for a word in nearly every dispute (纠纷) the planner
            # then reads the newest entries in id order instead of the whole posting list.
            cursor.execute("ANALYZE search_entry")
            cursor.execute("ANALYZE search_key")
    _suggestions_out_of_date()
    return done


def index_range(
    first: int, last: int, *, batch: int = 250, committing: Callable[[int], None] | None = None
) -> int:
    """Index the disputes with ids first…last afresh (a bulk load's, written around the
    services), `batch` disputes per transaction; `committing(last_id)` runs inside each.
    The words are segmented before the transaction begins, so it holds the write lock only to
    write; a dispute that had an event meanwhile is read again inside it. Returns how many
    disputes were indexed."""
    done, after = 0, first - 1
    while True:
        mark = event_latest_id()
        rows = disputes_after(after, size=batch, fields=_FIELDS, through=last)
        if not rows:
            break
        entries, keys = _built(rows)
        with transaction.atomic():
            ids = [d.pk for d in rows]
            changed = set(events_of_disputes(ids, id__gt=mark).values_list("dispute_id", flat=True))
            _store(
                ids,
                [e for e in entries if e.dispute_id not in changed],
                [k for k in keys if k.dispute_id not in changed],
            )
            again = (
                [
                    d
                    for d in disputes_after(after, size=batch, fields=_FIELDS, through=last)
                    if d.pk in changed
                ]
                if changed
                else []
            )
            if again:
                _store([], *_built(again), new=True)  # their old rows went with the others'
            if committing is not None:
                committing(rows[-1].pk)
        done += len(rows)
        after = rows[-1].pk
    if done:
        _suggestions_out_of_date()
    return done


def index_size() -> dict[str, int]:
    """Bytes on disk of the index's tables and indexes, where the database says."""
    sizes: dict[str, int] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            try:
                cursor.execute(
                    "SELECT name, SUM(pgsize) FROM dbstat WHERE name LIKE 'search%' GROUP BY name"
                )
            except Exception:  # dbstat is not compiled in
                return {}
            sizes = {name: int(size) for name, size in cursor.fetchall()}
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
                "WHERE relname IN ('search_entry', 'search_key') "
            )
            sizes = {name: int(size) for name, size in cursor.fetchall()}
    return sizes
