"""The reads other apps make of the dispute app's tables (disputes, parties, events, stays).

`selectors.py` holds the reads behind the dispute pages (lists, queue, filters); this module
holds the named reads the sweep, retention, metrics, agendas, search, documents, portal and
the API make of the same tables, so that no app outside `disputes` writes `Dispute.objects`
(`jiefen/tests/test_dispute_tables.py` checks it). Most return a lazy QuerySet the caller may narrow
further, order, slice or use as a subquery (`dispute` accepts `OuterRef("pk")`): the SQL and
the number of queries are those the callers ran before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Exists, Max, OuterRef, Q, QuerySet

from jiefen.disputes.models import (
    OPEN_STATUSES,
    Agreement,
    Dispute,
    Event,
    LevelStay,
    Party,
    Session,
)

# ---------------------------------------------------------------------------------------------
# Disputes


def disputes_in(span: tuple[int, int] | None = None, **filters: Any) -> QuerySet[Dispute]:
    """Disputes whose region code lies in `span` (a region subtree), with further filters."""
    qs = Dispute.objects.all()
    if span is not None:
        qs = qs.filter(region_code__range=span)
    return qs.filter(**filters) if filters else qs


def disputes_open(**filters: Any) -> QuerySet[Dispute]:
    """Disputes not yet resolved, declined or closed, with further filters."""
    return Dispute.objects.filter(status__in=OPEN_STATUSES, **filters)


def disputes_with_ids(
    ids: Iterable[int] | Any, *, related: Iterable[str] = ()
) -> QuerySet[Dispute]:
    """The disputes of these ids (a list or a subquery of ids)."""
    qs = Dispute.objects.filter(pk__in=ids)
    related = tuple(related)
    return qs.select_related(*related) if related else qs


def disputes_in_bulk(ids: Iterable[int], *, related: Iterable[str] = ()) -> dict[int, Dispute]:
    """The disputes of these ids by id (missing ones left out)."""
    return Dispute.objects.select_related(*related).in_bulk(list(ids))


def dispute_find(
    pk: int, *, related: Iterable[str] = (), fields: Iterable[str] = ()
) -> Dispute | None:
    """One dispute by id, or None. Not scoped: for the system and for the party's own
    dispute found by its query code; staff reads go through `access.dispute_for`."""
    qs = Dispute.objects.filter(pk=pk)
    related, fields = tuple(related), tuple(fields)
    if related:
        qs = qs.select_related(*related)
    if fields:
        qs = qs.only(*fields)
    return qs.first()


def dispute_get(pk: int, *, related: Iterable[str] = ()) -> Dispute:
    """One dispute by id; Dispute.DoesNotExist when there is none (unscoped, as dispute_find)."""
    return Dispute.objects.select_related(*related).get(pk=pk)


def disputes_after(
    last: int, *, size: int, fields: Iterable[str] = (), through: int | None = None
) -> list[Dispute]:
    """The next `size` disputes by id after `last` (a batch job's keyset walk), up to the id
    `through` if given."""
    qs = Dispute.objects.filter(pk__gt=last).order_by("pk")
    if through is not None:
        qs = qs.filter(pk__lte=through)
    fields = tuple(fields)
    return list((qs.only(*fields) if fields else qs)[:size])


def dispute_total() -> int:
    """How many disputes there are: a full count, for commands reporting progress only."""
    return Dispute.objects.count()


def dispute_ids() -> Any:
    """Every dispute's id, as a subquery (a values() QuerySet)."""
    return Dispute.objects.values("id")


def tables_analysed() -> None:
    """Fresh planner statistics of the dispute tables on PostgreSQL, for a command about to
    read all of them after a bulk load (autovacuum may not have run yet, or be off): without
    them a batch's join over sessions and events is planned as full scans. A no-op elsewhere."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Dispute, Party, Event, LevelStay, Session, Agreement):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def disputes_exist() -> bool:
    return Dispute.objects.exists()


def disputes_arrived_by_transfer(body: Any, since: datetime) -> QuerySet[Dispute]:
    """Disputes transferred to `body` since `since`, or waiting to be received by it."""
    arrived = stays_arrived(body=body, how="transferred", since=since).values("dispute_id")
    return Dispute.objects.filter(Q(pk__in=arrived) | Q(transfer_to=body))


def disputes_to_anonymise(*, statuses: Iterable[str], closed_before: datetime) -> QuerySet[Dispute]:
    """Disputes in `statuses` closed before the moment with a party not yet anonymised."""
    waiting = Party.objects.filter(dispute=OuterRef("pk"), anonymised_at__isnull=True)
    return Dispute.objects.filter(status__in=list(statuses), closed_at__lt=closed_before).filter(
        Exists(waiting)
    )


# ---------------------------------------------------------------------------------------------
# Events


def events_of(
    dispute: Any, *, actions: Iterable[str] | None = None, **filters: Any
) -> QuerySet[Event]:
    """A dispute's events (a Dispute, its id or `OuterRef`), of `actions` if given."""
    qs = Event.objects.filter(dispute=dispute, **filters)
    return qs.filter(action__in=list(actions)) if actions is not None else qs


def events_of_disputes(
    ids: Iterable[int], *, actions: Iterable[str] | None = None, **filters: Any
) -> QuerySet[Event]:
    """The events of these disputes, of `actions` if given."""
    qs = Event.objects.filter(dispute_id__in=list(ids), **filters)
    return qs.filter(action__in=list(actions)) if actions is not None else qs


def events_in(
    span: tuple[int, int] | None = None,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    actions: Iterable[str] | None = None,
    after_id: int | None = None,
    upto_id: int | None = None,
    **filters: Any,
) -> QuerySet[Event]:
    """Events of disputes in `span` (a region subtree), written in [start, end), of `actions`,
    with ids in (after_id, upto_id]; each bound only when given."""
    q: dict[str, Any] = {}
    if after_id is not None:
        q["id__gt"] = after_id
    if upto_id is not None:
        q["id__lte"] = upto_id
    if span is not None:
        q["dispute__region_code__range"] = span
    if start is not None:
        q["at__gte"] = start
    if end is not None:
        q["at__lt"] = end
    if actions is not None:
        q["action__in"] = list(actions)
    return Event.objects.filter(**q, **filters)


def events_with_ids(ids: Any) -> QuerySet[Event]:
    """The events of these ids (a list or a subquery of ids)."""
    return Event.objects.filter(id__in=ids)


def dispute_latest_id() -> int:
    """The newest dispute's id (0 when there is none)."""
    return Dispute.objects.aggregate(last=Max("id"))["last"] or 0


def event_latest_id() -> int:
    """The newest event's id (0 when there is none): the watermark of incremental readers."""
    return Event.objects.aggregate(last=Max("id"))["last"] or 0


def dispute_latest_event(dispute: Any) -> Event | None:
    return Event.objects.filter(dispute=dispute).order_by("-id").first()


def register_seen(*, actor: Any, once: str, since: datetime) -> bool:
    """Whether `actor` registered a dispute with this one-time form key since `since`."""
    return Event.objects.filter(
        actor=actor, action="register", at__gte=since, params__once=once
    ).exists()


# ---------------------------------------------------------------------------------------------
# Parties


def parties_of(dispute: Any, **filters: Any) -> QuerySet[Party]:
    """A dispute's parties (a Dispute, its id or `OuterRef`)."""
    return Party.objects.filter(dispute=dispute, **filters)


def parties_of_number(number: str, **filters: Any) -> QuerySet[Party]:
    """The parties of the dispute numbered `number` (none for an unknown number)."""
    return Party.objects.filter(dispute__number=number, **filters)


def parties_of_disputes(ids: Iterable[int], **filters: Any) -> QuerySet[Party]:
    return Party.objects.filter(dispute_id__in=list(ids), **filters)


def parties_in(
    span: tuple[int, int], *, start: datetime, end: datetime, **filters: Any
) -> QuerySet[Party]:
    """Parties of disputes registered in `span` in [start, end)."""
    return Party.objects.filter(
        dispute__region_code__range=span,
        dispute__registered_at__gte=start,
        dispute__registered_at__lt=end,
        **filters,
    )


def parties_with_digests(digests: Iterable[str]) -> QuerySet[Party]:
    """Parties whose phone or ID number has one of these lookup digests (none for none)."""
    digests = [d for d in digests if d]
    if not digests:
        return Party.objects.none()
    if len(digests) == 1:
        return Party.objects.filter(Q(phone_digest=digests[0]) | Q(id_digest=digests[0]))
    return Party.objects.filter(Q(phone_digest__in=digests) | Q(id_digest__in=digests))


def party_get(pk: int) -> Party:
    """One party by id; Party.DoesNotExist when there is none. Unscoped: the caller checks
    the dispute against the actor."""
    return Party.objects.get(pk=pk)


def parties_in_order() -> QuerySet[Party]:
    """Parties in the order they were registered (for a prefetch)."""
    return Party.objects.order_by("id")


# ---------------------------------------------------------------------------------------------
# Level stays


def stays_of(dispute: Any, *, how: str | None = None) -> QuerySet[LevelStay]:
    """A dispute's stays at levels (a Dispute, its id or `OuterRef`), arrived `how` if given."""
    qs = LevelStay.objects.filter(dispute=dispute)
    return qs.filter(arrived_how=how) if how is not None else qs


def stays_arrived(*, body: Any, how: str, since: datetime) -> QuerySet[LevelStay]:
    """Stays at `body` that began `how` since `since`."""
    return LevelStay.objects.filter(body=body, arrived_how=how, arrived_at__gte=since)


def stays_due_in(span: tuple[int, int], *, first: Any, last: Any) -> QuerySet[LevelStay]:
    """Stays in `span` whose level deadline fell on a day from `first` to `last`."""
    return LevelStay.objects.filter(region_code__range=span, due_date__range=(first, last))
