"""Reads: the queue, the filtered list with keyset pagination, a dispute's timeline.

No COUNT over the table: a page is fetched with one row more than it shows, to know whether a
next page exists; deep pages seek by the sort key of the row they follow, so page 10,000 costs
what page 1 costs.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, Func, OuterRef, Q, QuerySet
from django.utils import timezone

from jiefen.disputes.access import disputes_for, roles_by_body
from jiefen.disputes.models import OPEN_STATUSES, Dispute, Event, Status, Warning
from jiefen.lib.days import day_start
from jiefen.regions.models import Region

PAGE_SIZE = 50


def _day_after(day: date) -> datetime:
    return day_start(day + timedelta(days=1))


# What an event records of a dispute's result: a filter on outcome, tier or satisfaction given
# with an event filter naming one of these actions applies to that event's parameters (the
# result of that resolution, the score of that rating), not to the dispute's latest result.
EVENT_PARAMS = {
    "resolve": {"outcome": "outcome", "tier": "tier"},
    "visit": {"satisfaction": "satisfaction"},
    "rate": {"satisfaction": "score"},
}


def _values(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v)]
    return [part for part in str(value or "").split(",") if part]


def _by_event_or_result(qs: QuerySet[Dispute], filters: dict[str, Any]) -> QuerySet[Dispute]:
    """event / event_from / event_to: an EXISTS on the dispute's events (indexed by dispute);
    outcome, tier, satisfaction on the event where an action records them, else on the
    dispute (tier: the level holding it, which for a resolved one is the level that resolved
    it)."""
    actions = _values(filters.get("event"))
    wanted = {
        "outcome": _values(filters.get("outcome")),
        "tier": _values(filters.get("tier")),
        "satisfaction": _values(filters.get("satisfaction")),
    }
    on_event: set[str] = set()
    if actions:
        condition = Q()
        for action in actions:
            here = Q(action=action)
            for key, param in EVENT_PARAMS.get(action, {}).items():
                if wanted[key]:
                    on_event.add(key)
                    values: list[Any] = wanted[key]
                    if key == "satisfaction":
                        values = [int(v) for v in values if v.isdigit()]
                    here &= Q(**{f"params__{param}__in": values})
            condition |= here
        events = Event.objects.filter(condition, dispute=OuterRef("pk"))
        if filters.get("event_from"):
            events = events.filter(at__gte=day_start(filters["event_from"]))
        if filters.get("event_to"):
            events = events.filter(at__lt=_day_after(filters["event_to"]))
        qs = qs.filter(Exists(events))
    if wanted["outcome"] and "outcome" not in on_event:
        qs = qs.filter(outcome__in=wanted["outcome"])
    if wanted["tier"] and "tier" not in on_event:
        qs = qs.filter(tier__in=wanted["tier"])
    if wanted["satisfaction"] and "satisfaction" not in on_event:
        qs = qs.filter(satisfaction__in=[int(v) for v in wanted["satisfaction"] if v.isdigit()])
    return qs


SORTS = ("registered", "due")

# SQLite plans a range on region_code (a jurisdiction) with no idea of its size, and so read
# the whole city through the region index and sorted it for every page. The list therefore
# chooses the plan itself: a jurisdiction (with its status) of fewer rows than PROBE is read
# through the region or status index and sorted (at most PROBE rows, whatever the page); a
# larger one is read in order along the sort's index (dispute_list_registered, dispute_list_due),
# whose further columns let SQLite test the jurisdiction, status, warning, category and mass
# without reading the row, and which stops after a page (about 51 × rows / PROBE entries).
# Both plans cost the same on page 1 and page 10,000. PostgreSQL's planner knows the sizes
# from its statistics and needs no steering.
PROBE = 5_000
# Columns whose predicates the SQLite plan may hide from the index choice (see _Columns).
STEERED = (
    "region_code",
    "status",
    "registered_at",
    "accepted_at",
    "due_date",
    "category_id",
    "warning",
    "holder_id",
    "mass",
)


@dataclass
class Page:
    rows: list[Dispute]
    next_after: int | None
    prev_before: int | None
    sort: str = "registered"
    # How many disputes the filters select, where that is cheap to know: "exact", "about"
    # (PostgreSQL's planner estimate) or "over" (at least this many); None: not known.
    count: int | None = None
    count_kind: str = ""


@dataclass(frozen=True)
class _Segment:
    """One run of the list's order: the rows (only those with a deadline, or only those
    without, if `undated` is set), ordered by the two `key`
    fields (name, descending). The deadline sort is two runs: the dated rows soonest first,
    then the undated ones newest first."""

    undated: bool | None
    key: tuple[tuple[str, bool], tuple[str, bool]]

    def where_for(self, col: "_Columns") -> Q:
        if self.undated is None:
            return Q()
        return Q(**{f"{col('due_date')}__isnull": self.undated})

    def order(self, forward: bool) -> list[str]:
        return [f"-{name}" if desc == forward else name for name, desc in self.key]

    def past(self, values: Mapping[str, Any], forward: bool, col: "_Columns") -> Q:
        """Rows strictly after (forward) or before the row with these key values."""
        (first, first_desc), (second, second_desc) = self.key

        def op(desc: bool, strict: bool) -> str:
            down = desc == forward
            return ("lt" if strict else "lte") if down else ("gt" if strict else "gte")

        v1, v2 = values[first], values[second]
        # The non-strict bound lets the database seek in the index; the OR picks the rest.
        first = col(first)
        return Q(**{f"{first}__{op(first_desc, False)}": v1}) & (
            Q(**{f"{first}__{op(first_desc, True)}": v1})
            | Q(**{f"{second}__{op(second_desc, True)}": v2})
        )


NEWEST = (("registered_at", True), ("id", True))


def _segments(sort: str) -> list[_Segment]:
    if sort == "due":
        return [
            _Segment(False, (("due_date", False), ("id", False))),
            _Segment(True, NEWEST),
        ]
    return [_Segment(None, NEWEST)]


class _Columns:
    """Names for the filtered columns: the column itself, or on SQLite an alias `+column`,
    which SQLite may not use to choose an index (its documented way to steer a plan)."""

    def __init__(self, visible: set[str] | None) -> None:
        self.visible = visible

    def __call__(self, name: str) -> str:
        if self.visible is None or name in self.visible:
            return name
        return f"steered_{name}"

    def aliases(self) -> dict[str, Any]:
        if self.visible is None:
            return {}
        return {
            f"steered_{name}": Func(F(name), template="+%(expressions)s", output_field=_field(name))
            for name in STEERED
            if name not in self.visible
        }


def _field(name: str) -> Any:
    field = Dispute._meta.get_field(name.removesuffix("_id"))
    return field.target_field if field.is_relation else field  # type: ignore[union-attr]


def _filtered(actor: Any, filters: dict[str, Any], today: date, col: _Columns) -> QuerySet[Dispute]:
    qs: QuerySet[Dispute] = disputes_for(
        actor, Dispute.objects.alias(**col.aliases()), region_field=col("region_code")
    )
    status = filters.get("status")
    if status == "open":
        qs = qs.filter(**{f"{col('status')}__in": OPEN_STATUSES})
    elif status:
        qs = qs.filter(**{col("status"): status})
    if filters.get("category"):
        qs = qs.filter(**{col("category_id"): filters["category"].pk})
    if filters.get("region"):
        region = Region.objects.filter(code=filters["region"]).first()
        qs = (
            qs.none()
            if region is None
            else qs.filter(**{f"{col('region_code')}__range": region.span})
        )
    if filters.get("holder"):
        qs = qs.filter(**{col("holder_id"): filters["holder"]})
    warning = filters.get("warning")
    if warning == "overdue":
        qs = qs.filter(**{f"{col('status')}__in": OPEN_STATUSES, f"{col('due_date')}__lt": today})
    elif warning:
        qs = qs.filter(**{col("warning"): int(warning)})
    for field, start_key, end_key in (
        ("registered_at", "registered_from", "registered_to"),
        ("accepted_at", "accepted_from", "accepted_to"),
    ):
        if filters.get(start_key):
            qs = qs.filter(**{f"{col(field)}__gte": day_start(filters[start_key])})
        if filters.get(end_key):
            qs = qs.filter(**{f"{col(field)}__lt": _day_after(filters[end_key])})
    if filters.get("ids"):
        qs = qs.filter(id__in=list(filters["ids"]))
    if filters.get("mass"):
        qs = qs.filter(**{col("mass"): True})
    qs = _by_event_or_result(qs, filters)
    return qs


# Filters the probe does not cover: with one of them the count of a large jurisdiction is not
# known (only that of the jurisdiction and status).
_NARROWING = (
    "category",
    "region",
    "holder",
    "warning",
    "registered_from",
    "registered_to",
    "accepted_from",
    "accepted_to",
    "ids",
    "mass",
    "event",
    "outcome",
    "tier",
    "satisfaction",
    "q",
)


def dispute_list(
    actor: Any,
    filters: dict[str, Any],
    *,
    after: int | None = None,
    before: int | None = None,
    sort: str = "registered",
    today: date | None = None,
    size: int = PAGE_SIZE,
    count: bool = False,
) -> Page:
    """A page of the disputes the filters select in the actor's jurisdiction, newest
    registration first (sort "registered") or soonest deadline first (sort "due", undated
    ones after), `after` / `before` the id of the last / first row of the page before; with
    `count`, how many there are where that is cheap (never a COUNT over the table)."""
    today = today or timezone.localdate()
    if (filters.get("q") or "").strip():
        # A search is ranked by relevance unless a sort was chosen.
        sort = sort if sort in SORTS else "relevance"
        return _searched(actor, filters, today, after=after, before=before, size=size, sort=sort)
    sort = sort if sort in SORTS else "registered"
    segments = _segments(sort)
    sqlite = connection.vendor == "sqlite"
    small = None
    if sqlite:
        small = bool(filters.get("ids")) or _probe(actor, filters, today) < PROBE

    def ids_of(segment: _Segment, cursor: Mapping[str, Any] | None, forward: bool, n: int) -> list:
        if not sqlite:
            col = _Columns(None)
        elif small:
            # The jurisdiction's index range, sorted: keep the sort's columns out of the choice.
            col = _Columns({"region_code", "status", "warning", "holder_id"})
        else:
            col = _Columns({segment.key[0][0]})
        qs = _filtered(actor, filters, today, col).filter(segment.where_for(col))
        if cursor is not None:
            qs = qs.filter(segment.past(cursor, forward, col))
        # The ids alone: the sort then handles narrow rows, and the joins are made for the
        # page only.
        return list(qs.order_by(*segment.order(forward)).values_list("id", flat=True)[:n])

    cursor_id = before if before is not None else after
    position = _cursor(actor, cursor_id, segments) if cursor_id is not None else None
    forward = before is None
    if position is None:  # the first page, or a cursor no longer in reach: start afresh
        forward, start, values = True, 0, None
    else:
        start, values = position
    wanted = size + 1
    found: list[int] = []
    index = start
    while 0 <= index < len(segments) and len(found) < wanted:
        found += ids_of(segments[index], values, forward, wanted - len(found))
        values = None
        index += 1 if forward else -1
    has_more = len(found) > size
    by_id = Dispute.objects.select_related("category", "holder", "region").in_bulk(found[:size])
    rows = [by_id[pk] for pk in found[:size] if pk in by_id]
    if forward:
        page = Page(
            rows=rows,
            next_after=rows[-1].id if has_more else None,
            prev_before=rows[0].id if position is not None and rows else None,
            sort=sort,
        )
    else:
        rows.reverse()
        page = Page(
            rows=rows,
            next_after=rows[-1].id if rows else None,
            prev_before=rows[0].id if has_more and rows else None,
            sort=sort,
        )
    if count:
        page.count, page.count_kind = _count(actor, filters, today, page, small)
    return page


# The search box (q): jiefen.search registers its search_page here when it loads (a lower
# layer does not import a higher one). It finds the matches in its index within the
# jurisdiction and ranks them; the list's other filters narrow them through `narrow`.
TEXT_SEARCH: Callable[..., Page] | None = None


def _searched(actor: Any, filters: dict[str, Any], today: date, **paging: Any) -> Page:
    if TEXT_SEARCH is None:
        raise RuntimeError("jiefen.search is not installed: the list cannot search")
    rest = {key: value for key, value in filters.items() if key != "q"}

    def narrow(ids: list[int]) -> Any:
        if rest.get("ids"):
            ids = sorted(set(ids) & set(rest["ids"]))
        if not ids:
            return []
        qs = _filtered(actor, {**rest, "ids": ids}, today, _Columns(None))
        return qs.values_list("id", "registered_at", "due_date")

    return TEXT_SEARCH(actor, filters["q"], narrow, **paging)


def _probe(actor: Any, filters: dict[str, Any], today: date) -> int:
    """How many disputes of the jurisdiction (and status) there are, up to PROBE: read from
    the region or status index alone, at most PROBE entries."""
    core = {key: filters[key] for key in ("status",) if filters.get(key)}
    visible = _Columns({"region_code", "status"})
    return _filtered(actor, core, today, visible).values("id")[:PROBE].count()


def _cursor(actor: Any, pk: int, segments: list[_Segment]) -> tuple[int, Mapping[str, Any]] | None:
    """Which run the row `pk` is in, and its key values there."""
    row = disputes_for(actor).filter(pk=pk).values("id", "registered_at", "due_date").first()
    if row is None:
        return None
    run = 1 if len(segments) > 1 and row["due_date"] is None else 0
    return run, row


def _count(
    actor: Any, filters: dict[str, Any], today: date, page: Page, small: bool | None
) -> tuple[int | None, str]:
    if page.next_after is None and page.prev_before is None:
        return len(page.rows), "exact"
    if small:
        # The jurisdiction holds fewer than PROBE rows: counting them reads no more.
        visible = _Columns({"region_code", "status", "warning", "holder_id"})
        return _filtered(actor, filters, today, visible).values("id")[:PROBE].count(), "exact"
    if small is False:
        if any(filters.get(key) for key in _NARROWING):
            return None, ""
        return PROBE, "over"
    return _estimate(_filtered(actor, filters, today, _Columns(None))), "about"


def _estimate(qs: QuerySet[Dispute]) -> int | None:
    """PostgreSQL's planner estimate of the rows a query returns (no rows are read)."""
    sql, params = qs.values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    rows = int(plan[0]["Plan"]["Plan Rows"])
    return int(float(f"{rows:.2g}"))  # two significant digits: it is an estimate


def queue_for(actor: Any, *, limit: int = 100) -> dict[str, list[Dispute]]:
    """What the actor's bodies must act on: incoming transfers, assignments to their
    departments, and open disputes they hold, soonest due first."""
    body_ids = list(roles_by_body(actor))
    base = disputes_for(actor).select_related("category", "holder", "region")
    held = base.filter(
        holder_id__in=body_ids,
        status__in=[Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING, Status.ASSIGNED],
    ).order_by("due_date", "id")
    due = list(held.filter(due_date__isnull=False)[:limit])
    undated = list(held.filter(due_date__isnull=True)[: max(0, limit - len(due))])
    return {
        "incoming": list(base.filter(transfer_to_id__in=body_ids).order_by("id")[:limit]),
        "assigned": list(
            base.filter(department_id__in=body_ids, status=Status.ASSIGNED).order_by(
                "due_date", "id"
            )[:limit]
        ),
        "held": due + undated,
        "to_visit": list(
            base.filter(holder_id__in=body_ids, status=Status.RESOLVED).order_by(
                "resolved_at", "id"
            )[:limit]
        ),
    }


def timeline(dispute: Dispute) -> QuerySet[Event]:
    return dispute.events.select_related("actor", "body").order_by("id")


def dispute_page_read(dispute: Dispute) -> Dispute:
    """Read once what the dispute page and its panels show of the dispute's own rows (parties,
    the whole history, sessions, level stays): one query each, whatever the history's length,
    kept on the object so that every panel reading `dispute.parties.all()` and the like is
    answered from it."""
    from django.db.models import Prefetch, prefetch_related_objects

    from jiefen.disputes.models import LevelStay, Session

    prefetch_related_objects(
        [dispute],
        "parties",
        Prefetch("events", queryset=timeline(dispute)),
        Prefetch("sessions", queryset=Session.objects.select_related("recorded_by")),
        Prefetch("stays", queryset=LevelStay.objects.select_related("body").order_by("id")),
    )
    return dispute


# What dispute_for joins for every page of a dispute (the holder's level, the owner, the
# department and the transfer's receiver with their places, the agreement).
PAGE_RELATED = (
    "holder__region",
    "region",
    "category",
    "owner",
    "department__region",
    "department__department_type",
    "transfer_to__region",
    "transfer_to__department_type",
    "agreement",
)
# The dispute's own lists, read with its row (disputes.page) and kept as if prefetched.
OWN_LISTS = ("parties", "sessions", "stays")


def dispute_page(actor: Any, pk: Any) -> Dispute:
    """The dispute `pk` for the actor's page, with everything its panels declared (see
    disputes.page) in one query, and its whole history in a second: two queries whatever the
    dispute's history, parties, sessions, requests or files. NotFound as dispute_for."""
    from django.db.models import Prefetch, prefetch_related_objects

    from jiefen.disputes import page
    from jiefen.disputes.access import _not_found
    from jiefen.lib.errors import NotFound

    try:
        dispute = (
            disputes_for(actor)
            .select_related(*PAGE_RELATED, *page.JOINED)
            .annotate(**page.expressions())
            .get(pk=int(pk))
        )
    except (Dispute.DoesNotExist, TypeError, ValueError):
        raise NotFound(_not_found()) from None
    page.attach(dispute)
    cache = dispute.__dict__.setdefault("_prefetched_objects_cache", {})
    for name in OWN_LISTS:
        rows = page.part(dispute, f"disputes.{name}")
        remote = Dispute._meta.get_field(name).remote_field  # type: ignore[union-attr]
        for row in rows:
            remote.set_cached_value(row, dispute)  # type: ignore[union-attr]
        known = getattr(dispute, name).all()
        known._result_cache, known._prefetch_done = rows, True
        cache[name] = known
    prefetch_related_objects([dispute], Prefetch("events", queryset=timeline(dispute)))
    return dispute


def page_parts_register() -> None:
    """The dispute's own lists on its page (disputes.page): parties, sessions, level stays."""
    from django.db.models import OuterRef

    from jiefen.disputes import page
    from jiefen.disputes.models import LevelStay, Party, Session

    page.rows("disputes.parties", lambda: Party.objects.filter(dispute=OuterRef("pk")))
    page.rows(
        "disputes.sessions",
        lambda: Session.objects.filter(dispute=OuterRef("pk")),
        related=("recorded_by",),
    )
    page.rows(
        "disputes.stays",
        lambda: LevelStay.objects.filter(dispute=OuterRef("pk")).order_by("id"),
        related=("body",),
    )


def red_count(page_rows: list[Dispute]) -> int:
    return sum(1 for d in page_rows if d.warning == Warning.RED)


# --- places and bodies chosen by name (the list's filters) ------------------------------------

SUGGESTIONS = 15


def _regions_in_reach(actor: Any) -> QuerySet[Region]:
    from jiefen.org.scope import scope_of

    return scope_of(actor).filter(Region.objects.all(), "code")


def _bodies_in_reach(actor: Any) -> QuerySet[Any]:
    from jiefen.org.scope import bodies_for

    return bodies_for(actor)


def _named(name: str, code: int) -> str:
    from django.utils.translation import gettext

    return gettext("%(name)s（%(code)s）") % {"name": name, "code": code}


def region_by_name(actor: Any, name: str, code: int | None = None) -> list[int]:
    """Codes of the places in the actor's jurisdiction called `name` (and coded `code`)."""
    qs = _regions_in_reach(actor).filter(name=name)
    if code is not None:
        qs = qs.filter(code=code)
    return list(qs.values_list("code", flat=True)[:10])


def body_by_name(actor: Any, name: str, code: int | None = None) -> list[int]:
    """Ids of the bodies in the actor's jurisdiction called `name` (at region `code`)."""
    qs = _bodies_in_reach(actor).filter(name=name)
    if code is not None:
        qs = qs.filter(region_code=code)
    return list(qs.values_list("pk", flat=True)[:10])


def region_named(actor: Any, code: int) -> str | None:
    """How the filter shows place `code`: its name, with the code when another place in reach
    has the same name."""
    region = _regions_in_reach(actor).filter(code=code).first()
    if region is None:
        return None
    if _regions_in_reach(actor).filter(name=region.name).exclude(code=code).exists():
        return _named(region.name, region.code)
    return region.name


def body_named(actor: Any, pk: int) -> str | None:
    body = _bodies_in_reach(actor).filter(pk=pk).first()
    if body is None:
        return None
    if _bodies_in_reach(actor).filter(name=body.name).exclude(pk=pk).exists():
        return _named(body.name, body.region_code)
    return body.name


def _shared_names(qs: QuerySet[Any], names: list[str]) -> set[str]:
    """Those of `names` that more than one row of `qs` bears."""
    rows = qs.filter(name__in=names).values("name").annotate(n=Count("pk")).filter(n__gt=1)
    return {row["name"] for row in rows}


def filter_suggestions(actor: Any, field: str, text: str) -> list[dict[str, str]]:
    """Up to SUGGESTIONS places or bodies in the actor's jurisdiction whose name contains
    `text`, shortest name first: `value` is what the filter takes, `label` says where it is."""
    text = (text or "").strip()[:50]
    if not text:
        return []
    if field == "region":
        regions = list(
            _regions_in_reach(actor)
            .filter(name__contains=text)
            .select_related("parent")
            .order_by("level", "code")[: SUGGESTIONS * 2]
        )
        regions.sort(key=lambda r: (len(r.name), r.level, r.code))
        regions = regions[:SUGGESTIONS]
        shared = _shared_names(_regions_in_reach(actor), [r.name for r in regions])
        return [
            {
                "value": _named(r.name, r.code) if r.name in shared else r.name,
                "label": r.parent.name if r.parent is not None else "",
            }
            for r in regions
        ]
    if field == "holder":
        bodies = list(
            _bodies_in_reach(actor)
            .filter(name__contains=text, active=True)
            .order_by("region_code", "kind", "name")[: SUGGESTIONS * 2]
        )
        bodies.sort(key=lambda b: (len(b.name), b.region_code, b.pk))
        bodies = bodies[:SUGGESTIONS]
        shared = _shared_names(_bodies_in_reach(actor), [b.name for b in bodies])
        return [
            {
                "value": _named(b.name, b.region_code) if b.name in shared else b.name,
                "label": b.region.name,
            }
            for b in bodies
        ]
    return []
